"""Load test (issue 6): see docs/load-test.md. (Work in progress: payload builder first.)"""

from __future__ import annotations


def dash_payloads(
    callback_map: dict, search: str, grid_request: dict | None = None, lang: str = "en"
) -> list[dict]:
    """The `/_dash-update-component` bodies the browser sends after the URL changes to `search`
    (plus the grid's first page), built from the app's own callback map so they follow the app."""
    values = {
        ("url", "search"): search,
        ("grid", "getRowsRequest"): grid_request
        or {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}},
        ("ui-lang", "value"): lang,
    }
    out = []
    for key, spec in callback_map.items():
        if spec.get("callback") is None:  # clientside: runs in the browser
            continue
        ids = {(i["id"], i["property"]) for i in spec["inputs"]}
        if ("url", "search") not in ids and ("grid", "getRowsRequest") not in ids:
            continue
        if len(spec["inputs"]) > 1:  # the URL/controls sync: the browser sends it too
            pass
        outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
        outs = [{"id": o.component_id, "property": o.component_property} for o in outputs]
        out.append(
            {
                "output": key,
                "outputs": outs if isinstance(spec["output"], list) else outs[0],
                "inputs": [dict(i, value=values.get((i["id"], i["property"]))) for i in spec["inputs"]],
                "state": [dict(s, value=values.get((s["id"], s["property"]))) for s in spec.get("state", [])],
                "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
            }
        )
    return out
