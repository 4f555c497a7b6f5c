"""The announcement rulebook of CONTRACT.md on small releases (etl.extract.extract)."""

from __future__ import annotations

import datetime as dt

from etl.extract import extract
from etl.types import ReleaseText

DAY = dt.date(2023, 5, 10)  # a Wednesday


def run(text: str, publisher: str | None = "US Department of Defense", lang: str = "en", published=DAY):
    return extract(ReleaseText(source="t.txt", text=text, published=published, language=lang, publisher=publisher))


def rows(text, **kw):
    return sorted((a.donor_code, a.category) for a in run(text, **kw))


# --- what counts -------------------------------------------------------------------------------

def test_publisher_is_donor_of_unattributed_items():
    out = run("Today we are providing Ukraine with 18 M777 howitzers and 36,000 rounds of 155 mm ammunition.")
    assert [(a.donor_code, a.category, a.quantity) for a in out] == [("USA", "artillery", 18), ("USA", "munitions", 36000)]
    assert all(a.date == "2023-05-10" and a.recipient_code == "UKR" for a in out)


def test_nato_release_needs_a_named_donor():
    text = "The Secretary General said that 50 Patriot interceptors will be delivered to Ukraine."
    assert run(text, publisher="NATO") == []
    assert rows("Germany will deliver 50 Patriot interceptors to Ukraine.", publisher="NATO") == [("DEU", "air_defence")]


def test_reported_announcement_one_row_per_donor():
    text = "Il s’est félicité que le Danemark et les Pays-Bas aient récemment annoncé qu’ils allaient livrer des véhicules blindés à l’Ukraine."
    assert rows(text, publisher="NATO", lang="fr") == [("DNK", "armoured_vehicles"), ("NLD", "armoured_vehicles")]


def test_multi_donor_multi_kind_is_ambiguous():
    text = ("He welcomed the recent announcements made by Germany, France and Canada regarding air defences, "
            "infantry fighting vehicles and armoured vehicles for Ukraine.")
    out = run(text, publisher="NATO")
    assert sorted((a.donor_code, a.category) for a in out) == sorted(
        (d, c) for d in ("DEU", "FRA", "CAN") for c in ("air_defence", "armoured_vehicles"))
    assert all(a.confidence < 0.5 for a in out)


def test_package_total_convention():
    text = ("The United States announced a $400 million security assistance package for Ukraine. "
            "This package includes HIMARS ammunition, Stinger missiles and 30 armored vehicles.")
    out = run(text)
    totals = [a for a in out if a.item.endswith("(total)")]
    assert [(a.category, a.value, a.currency) for a in totals] == [("other_military", 400_000_000, "USD")]
    items = [a for a in out if not a.item.endswith("(total)")]
    assert sorted(a.category for a in items) == ["air_defence", "armoured_vehicles", "munitions"]
    assert all(a.value is None for a in items)


def test_components_of_a_total_get_no_rows():
    text = ("This afternoon, the Department of Defense announced $820 million in additional security assistance for Ukraine. "
            "This includes a Presidential Drawdown valued at up to $50 million, as well as $770 million in USAI funds.")
    out = run(text)
    assert [(a.category, a.value) for a in out] == [("other_military", 820_000_000)]


def test_single_item_carries_the_value_and_anaphoric_value_attaches():
    text = ("La ministre a annoncé que le Canada donnera à l’Ukraine 200 véhicules blindés. "
            "Cette aide est évaluée à plus de 90 millions de dollars.")
    out = run(text, publisher="Défense nationale Canada", lang="fr")
    assert [(a.donor_code, a.category, a.quantity, a.value, a.currency) for a in out] == [
        ("CAN", "armoured_vehicles", 200, 90_000_000, "CAD")]


def test_joint_purchase_value_on_each_donor_not_summed():
    text = "Denmark, Norway and Germany will jointly finance a package of 685 million kroner for Zuzana-2 artillery systems for Ukraine."
    out = run(text, publisher="Danish Ministry of Defence")
    totals = {a.donor_code: a.value for a in out if a.value is not None}
    assert totals == {"DNK": 685_000_000, "NOR": 685_000_000, "DEU": 685_000_000}


def test_humanitarian_and_financial_packages():
    out = run("Daarnaast stelt het kabinet 100 miljoen euro beschikbaar voor humanitaire hulp aan Oekraïne.",
              publisher="Ministerie van Defensie", lang="nl")
    assert [(a.donor_code, a.category, a.value, a.currency) for a in out] == [("NLD", "humanitarian", 100_000_000, "EUR")]
    out = run("The EU will provide EUR 1.5 billion in macro-financial assistance to Ukraine.", publisher="European Commission")
    assert [(a.donor_code, a.category, a.group, a.value) for a in out] == [("EU", "financial", "financial", 1_500_000_000)]


def test_epf_share_is_the_eus():
    out = run("Under the European Peace Facility, Germany will provide EUR 500 million for ammunition for Ukraine.",
              publisher="NATO")
    assert {a.donor_code for a in out} == {"EU"}


def test_list_after_intro_line():
    text = "Security assistance for Ukraine. Included in this package are:\n\nTwo National Advanced Surface-to-Air Missile Systems (NASAMS);\n\nFour additional counter-artillery radars.\n"
    out = run(text)
    assert [(a.category, a.quantity) for a in out] == [("air_defence", 2), ("other_military", 4)]


def test_relative_dates():
    out = run("Derudover har regeringen i fredags besluttet at donere 10 kampvogne til Ukraine.",
              publisher="Forsvarsministeriet", lang="da", published=dt.date(2022, 10, 2))
    assert [a.date for a in out] == ["2022-09-30"]
    out = run("The UK will send 14 Challenger 2 tanks to Ukraine, the Defence Secretary said yesterday.",
              publisher="UK Ministry of Defence (gov.uk)")
    assert [(a.donor_code, a.category, a.quantity, a.date) for a in out] == [("GBR", "tanks", 14, "2023-05-09")]


# --- what does not count -----------------------------------------------------------------------

def test_calls_for_more_aid():
    assert run("I urged allies and partners to dig deep and donate whatever air defense munitions they can.") == []
    assert run("Le secrétaire général a appelé à continuer de fournir des moyens de défense aérienne et des munitions.",
               publisher="Ministère des Armées", lang="fr") == []
    assert rows("The UK and Poland are ready to deliver tanks to Ukraine and called on Allies to send more air defence.",
                publisher="NATO") == [("GBR", "tanks"), ("POL", "tanks")]


def test_cumulative_totals():
    assert run("This drawdown will bring the total U.S. military assistance for Ukraine to more than $18.3 billion.") == []
    assert run("Since 2014, the United States has committed more than $8.8 billion in security assistance to Ukraine.") == []
    assert run("Danmarks samlede donationer er nu på knap 3,8 mia. kroner.", publisher="Forsvarsministeriet", lang="da") == []


def test_restocking_and_sales_between_allies():
    assert run("NATO has concluded contracts for the purchase of 220,000 artillery shells worth 1.2 billion US dollars.",
               publisher="NATO") == []
    assert run("Les Alliés s’emploient à acquérir 1 000 missiles Patriot pour reconstituer leurs stocks.",
               publisher="NATO", lang="fr") == []
    assert run("Congress has appropriated $12.5 billion to replace these stocks.") == []


def test_background_and_delivery_updates():
    assert run("Allies have already delivered a wide range of air defence systems to Ukraine, including Patriots.",
               publisher="NATO") == []
    assert run("U.S.-made M-1 tanks will soon arrive in Ukraine.") == []
    text = ("Le ministre a rendu hommage au Canada pour l’aide de plus d’un milliard de dollars accordée depuis février 2022. "
            "Cette aide comprend un système NASAMS et 39 véhicules blindés.")
    assert run(text, publisher="Défense nationale Canada", lang="fr") == []


def test_merely_mentioned_countries_and_attacks():
    assert run("L’OTAN condamne les attaques de missiles et de drones perpétrées par la Russie.", publisher="NATO", lang="fr") == []
    assert run("Le ministre a rencontré son homologue allemand à Berlin.", publisher="Ministère des Armées", lang="fr") == []
    assert run("Russia's massive strikes highlight the urgent need to strengthen Ukraine's air defences.") == []


def test_investigating_is_not_a_pledge():
    assert run("Onderzocht wordt of Defensie samen met andere bondgenoten nog meer zwaar materieel kan leveren.",
               publisher="Ministerie van Defensie", lang="nl") == []


def test_generic_lists_name_nothing():
    out = run("This $725 million drawdown for Ukraine includes additional arms, munitions, and equipment from DoD inventories.")
    assert [(a.category, a.value) for a in out] == [("other_military", 725_000_000)]


def test_a_release_that_never_names_the_recipient_gives_nothing():
    text = "Germany, Poland and the Netherlands contribute tanks, artillery and fighter aircraft to the exercise."
    assert run(text, publisher="NATO") == []


def test_empty_and_unknown_language():
    assert run("") == []
    assert run("Bonjour.", publisher=None, lang=None, published=None) == []


def test_list_after_a_cumulative_sentence_is_background():
    text = ("The United States has committed more than $32.5 billion in security assistance to Ukraine since the beginning "
            "of Russia's invasion.\nUnited States security assistance committed to Ukraine includes:\n"
            "Over 1,600 Stinger anti-aircraft systems provided;\n31 Abrams tanks.\n")
    assert run(text) == []
    text = ("Since 2022, the United States has provided to Ukraine:\n• 31 Abrams tanks delivered;\n"
            "• 20 Mi-17 helicopters provided.\n")
    assert run(text) == []


def test_purchase_scope_is_forward_and_clauses_have_their_own_donors():
    text = ("Norway's Defence Minister said his country will send eight Leopard 2 tanks to Ukraine, while the Netherlands "
            "announced it will contribute 18 million euros to the purchase of tanks for Ukraine.")
    out = run(text, publisher="NATO")
    assert [(a.donor_code, a.category, a.quantity, a.value) for a in out] == [
        ("NOR", "tanks", 8, None), ("NLD", "other_military", None, 18_000_000)]


def test_ministers_of_an_organisation_are_not_the_organisation():
    assert run("NATO Defence Ministers met to address the supply of ammunition to Ukraine.", publisher="NATO") == []


def test_compound_words_and_separable_verbs():
    out = run("Pakken indeholder blandt andet luftværnsmissiler, artilleriammunition og minerydningsudstyr til Ukraine.",
              publisher="Forsvarsministeriet", lang="da")
    assert [a.category for a in out] == ["air_defence", "munitions", "engineering"]
    out = run("Het kabinet trekt daarnaast 50 miljoen euro uit voor munitie voor Oekraïne.",
              publisher="Ministerie van Defensie", lang="nl")
    assert [(a.category, a.value, a.currency) for a in out] == [("munitions", 50_000_000, "EUR")]


def test_anaphoric_sentence_takes_the_day_of_the_previous_one():
    text = ("Le ministre des Armées a annoncé lundi une nouvelle cession de matériels à l'Ukraine. "
            "Cette cession comprend des missiles antichars MILAN.")
    out = run(text, publisher="Ministère des Armées", lang="fr", published=dt.date(2023, 6, 6))
    assert [(a.donor_code, a.category, a.date) for a in out] == [("FRA", "anti_tank", "2023-06-05")]


def test_heading_restated_by_the_text_counts_once():
    text = ("Minister Anand announces the donation of Leopard 2 tanks to Ukraine\n"
            "Today, Minister Anand announced that Canada will donate four Leopard 2 main battle tanks to Ukraine.")
    out = run(text, publisher="National Defence Canada")
    assert [(a.donor_code, a.category, a.quantity) for a in out] == [("CAN", "tanks", 4)]


def test_back_references_are_not_new_items():
    text = ("Canada will donate four Leopard 2 main battle tanks to Ukraine. "
            "The Canadian Armed Forces will also deploy members to train Ukrainian soldiers on these tanks. "
            "The tanks will be delivered in the coming weeks.")
    out = run(text, publisher="National Defence Canada")
    assert [(a.category, a.quantity) for a in out] == [("tanks", 4), ("training", None)]


def test_coordinated_clause_with_its_own_donor():
    text = ('Mr Stoltenberg said: "Germany has announced that it will provide additional Gepard anti-aircraft systems, '
            'and Canada will donate 20 million dollars for generators for Ukraine."')
    out = run(text, publisher="NATO")
    assert [(a.donor_code, a.category, a.value, a.currency) for a in out] == [
        ("DEU", "air_defence", None, None), ("CAN", "engineering", 20_000_000, "CAD")]


def test_list_ends_after_an_item_with_a_full_stop():
    text = ("Security assistance for Ukraine. Included in this package are:\n"
            "Two NASAMS;\nFour additional counter-artillery radars.\n"
            "Ukraine's forces use HIMARS ammunition very effectively.\n")
    out = run(text)
    assert [(a.category, a.quantity) for a in out] == [("air_defence", 2), ("other_military", 4)]


def test_a_package_total_is_not_a_cumulative_total():
    out = run("La France livrera à l'Ukraine un paquet d'un montant total de 200 millions d'euros comprenant des "
              "canons CAESAR et des missiles Mistral.", publisher="Ministère des Armées", lang="fr")
    assert sorted((a.category, a.value) for a in out) == [
        ("air_defence", None), ("artillery", None), ("other_military", 200_000_000)]
    out = run("Regeringen donerer en pakke til Ukraine til en værdi af i alt 1,7 mia. kr.", publisher="Forsvarsministeriet",
              lang="da")
    assert [(a.category, a.value, a.currency) for a in out] == [("other_military", 1_700_000_000, "DKK")]


def test_launchers_take_the_system_category():
    out = run("Germany will send two Patriot launchers and 40 Marder infantry fighting vehicles to Ukraine.", publisher="NATO")
    assert [(a.category, a.quantity) for a in out] == [("air_defence", 2), ("armoured_vehicles", 40)]


def test_share_of_a_joint_amount_goes_to_the_donors_row():
    text = ("Norway, Denmark and Germany have signed a letter of intent with Slovakia to jointly finance the production "
            "of 16 Zuzana 2 self-propelled howitzers for Ukraine. The total cost is approximately 92 million euros, "
            "of which Norway will contribute around 30 million euros.")
    out = run(text, publisher="Norwegian Ministry of Defence")
    assert [(a.donor_code, a.category, a.quantity, a.value) for a in out] == [
        ("NOR", "artillery", 16, 30_000_000), ("DNK", "artillery", 16, None), ("DEU", "artillery", 16, None)]


def test_seller_is_not_a_donor():
    out = run("The Netherlands will purchase refurbished T-72 tanks for Ukraine from the Czech Republic.", publisher="NATO")
    assert [(a.donor_code, a.category) for a in out] == [("NLD", "tanks")]
    out = run("Ukraine will receive F-16s from Denmark.", publisher="NATO")
    assert [(a.donor_code, a.category) for a in out] == [("DNK", "aircraft")]


def test_aggressor_as_subject_is_not_the_publishers_aid():
    assert run("Russia has deployed Iranian drones and missiles against Ukraine.") == []
    assert run("Moscou a déployé des drones iraniens contre l'Ukraine, et la Russie a envoyé des missiles.",
               publisher="Ministère des Armées", lang="fr") == []


def test_weak_verbs_need_the_recipient():
    assert run("Germany will buy 35 F-35 fighter jets for its air force. Ukraine was discussed.", publisher="NATO") == []
    out = run("Germany will buy 35 F-16 fighter jets for Ukraine.", publisher="NATO")
    assert [(a.donor_code, a.category, a.quantity) for a in out] == [("DEU", "aircraft", 35)]
