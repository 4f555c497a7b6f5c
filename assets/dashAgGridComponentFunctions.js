/* Cell renderers for the announcements grid. Release content is only ever text: no HTML or
   Markdown from a release reaches the page; a source becomes a link only for http(s) URLs. */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomponentfuncs.SourceLink = function (props) {
  var url = props.value;
  if (typeof url !== "string" || !/^https?:\/\/[^\s]+$/i.test(url)) {
    return React.createElement("span", null, url == null ? "" : String(url));
  }
  var label = url;
  try { label = new URL(url).hostname; } catch (e) { /* keep the URL as its label */ }
  return React.createElement(
    "a", {href: url, target: "_blank", rel: "noopener noreferrer nofollow", title: url}, label
  );
};
