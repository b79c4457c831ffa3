"""Linking scenarios written for this project: how reports of real-world events disagree.

Each report is an article (title, text, publication time) and the facts an extractor could give
for it, including the mistakes extractors and outlets make. `truth` names the event it is really
about; `FINAL` the figures each event should end with. The texts are invented for this project.

1. A toll rising over four days, with reports that disagree on the day (one dated its own
   publication), the type (a ramming told as a road crash) and the place (only the country).
2. A follow-up two months later (the trial's first hearing), historical by then.
3. A re-crawled page: the second day's story again under a new URL and a date three months on,
   whose old toll must not replace the newer one.
4. Two shootings in one city in one week, each reported twice: they stay two incidents.
5. A plane crash one outlet places in the victims' home country.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any


@dataclass(frozen=True)
class Report:
    id: str
    truth: str
    published: datetime
    title: str
    text: str
    facts: dict[str, Any] = field(default_factory=dict)


def _at(month: int, day: int, hour: int) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def _facts(event_type: str, location: str | None, country: str | None, occurred: date | None,
           killed: int | None, injured: int | None, category: str = "attack", **more: Any) -> dict[str, Any]:
    return {"category": category, "event_type": event_type, "location": location, "country_code": country,
            "occurred_on": occurred.isoformat() if occurred else None, "killed": killed, "injured": injured,
            "perpetrator": more.get("perpetrator"), "claimed_by": None, "primary": True,
            "historical": more.get("historical", False), "evidence": []}


GRAZ_DAY2 = (
    "The number of people killed when a delivery lorry ploughed through the Christmas market on "
    "Hauptplatz in Graz rose to five overnight, and 31 people remain in hospital, the Styrian health "
    "authority said on Sunday. Police chief Gerald Ortner said the driver, a 41-year-old man from "
    "Leoben, had been detained at the scene after the lorry hit the Landhaus stalls.")

REPORTS = [
    # 1. The Graz market ramming: toll 3 -> 5 -> 6 -> 7 over four days.
    Report("graz-1", "graz", _at(12, 13, 19), "Lorry drives into Graz Christmas market",
           "A delivery lorry drove into crowds at the Christmas market on Hauptplatz in Graz on Saturday "
           "evening, killing three people and injuring at least 20, Austrian police said. Witnesses said "
           "the lorry mounted the pavement by the Landhaus and did not brake. Police chief Gerald Ortner "
           "said the driver had been arrested.",
           _facts("vehicle_ramming", "Graz", "AT", date(2025, 12, 13), 3, 20)),
    Report("graz-2", "graz", _at(12, 14, 8), "Graz market crash: five dead",
           GRAZ_DAY2, _facts("road_crash", "Styria", "AT", date(2025, 12, 14), 5, 31, category="accident")),
    Report("graz-3", "graz", _at(12, 15, 12), "Austria market attack toll rises to six",
           "A sixth victim of the Christmas market attack in Austria has died in hospital, officials said. "
           "Prosecutors named the driver as Markus Lehner and said he had planned the attack on the "
           "Hauptplatz market for weeks. Police chief Gerald Ortner thanked the Landhaus stallholders "
           "who helped the wounded; 34 people were hurt in all.",
           _facts("vehicle_ramming", "Austria", "AT", None, 6, 34, perpetrator="Markus Lehner")),
    Report("graz-4", "graz", _at(12, 16, 9), "Graz mourns seven killed at Christmas market",
           "Graz held a minute's silence on Tuesday for the seven people killed when Markus Lehner drove a "
           "lorry into the Hauptplatz Christmas market on Saturday. Among the dead were Anna Brunner, 67, "
           "and her grandson Felix, 9. Thirty-four people were injured, police chief Gerald Ortner said.",
           _facts("vehicle_ramming", "Graz", "AT", date(2025, 12, 13), 7, 34, perpetrator="Markus Lehner")),
    # 2. A follow-up two months later.
    Report("graz-5", "graz", _at(2, 16, 10) .replace(year=2026), "Graz market attacker appears in court",
           "Markus Lehner, who is accused of killing seven people when he drove a lorry into the "
           "Christmas market on Hauptplatz in Graz in December, appeared in court on Monday. Families of "
           "Anna Brunner and the other victims watched from the gallery as the charges were read.",
           _facts("vehicle_ramming", "Graz", "AT", date(2025, 12, 13), 7, None, perpetrator="Markus Lehner",
                  historical=True)),
    # 3. The second day's page re-crawled under another URL, dated three months on.
    Report("graz-6", "graz", _at(3, 20, 6).replace(year=2026), "Graz market crash: five dead", GRAZ_DAY2,
           _facts("road_crash", "Styria", "AT", None, 5, 31, category="accident")),
    # 4. Two shootings in Houston three days apart.
    Report("houston-a1", "houston-a", _at(6, 3, 23), "Two shot dead outside Houston taqueria",
           "Two men were shot dead outside a taqueria on Telephone Road in southeast Houston late on "
           "Tuesday, police said. The victims, identified as Carlos Medina, 24, and Luis Ortega, 31, were "
           "sitting in a parked car when a gunman opened fire. Sergeant Dana Whitfield said no arrest had "
           "been made.", _facts("shooting", "Houston", "US", date(2025, 6, 3), 2, 0)),
    Report("houston-a2", "houston-a", _at(6, 5, 14), "Vigil for men killed on Telephone Road",
           "Family members gathered on Telephone Road on Thursday for Carlos Medina and Luis Ortega, the "
           "two men killed in a shooting outside a taqueria on Tuesday night. Houston police said they "
           "were looking for a dark pickup seen leaving the scene.",
           _facts("shooting", "Houston", "US", date(2025, 6, 5), 2, None)),
    Report("houston-b1", "houston-b", _at(6, 6, 22), "Three wounded in Houston apartment shooting",
           "Three people were wounded when shots were fired into an apartment on Bellaire Boulevard in "
           "southwest Houston on Friday evening, police said. A 15-year-old girl was among those taken to "
           "Ben Taub Hospital. Lieutenant Marcus Reyes said two men were seen running toward Gessner Road.",
           _facts("shooting", "Houston", "US", date(2025, 6, 6), 0, 3)),
    Report("houston-b2", "houston-b", _at(6, 7, 11), "Teen among four hurt in Bellaire Boulevard shooting",
           "A fourth victim of Friday's shooting at a Bellaire Boulevard apartment complex has come forward, "
           "Houston police said on Saturday. Lieutenant Marcus Reyes said the 15-year-old girl hurt in the "
           "attack was in stable condition at Ben Taub Hospital.",
           _facts("armed_assault", "Houston", "US", date(2025, 6, 7), None, 4)),
    # 5. A plane crash placed in the victims' home country by one outlet.
    Report("crash-1", "medellin", _at(9, 9, 16), "Plane crashes near Medellín, 12 dead",
           "A small passenger plane crashed into a hillside shortly after take-off from Olaya Herrera "
           "airport in Medellín on Tuesday, killing all 12 people on board, Colombia's civil aviation "
           "authority said. The twin-engine aircraft, operated by Aerovías Andinas, was bound for Quibdó.",
           _facts("air_crash", "Medellín", "CO", date(2025, 9, 9), 12, None, category="accident")),
    Report("crash-2", "medellin", _at(9, 10, 9), "Seven Brazilians among Colombia crash victims",
           "Seven Brazilian tourists from Curitiba were among the 12 people killed when an Aerovías Andinas "
           "plane crashed after leaving Olaya Herrera airport in Colombia, Brazil's foreign ministry said. "
           "Relatives in Curitiba gathered at the Brazilian consulate.",
           _facts("air_crash", "Curitiba", "BR", date(2025, 9, 9), 12, None, category="accident")),
]

# The figures each event should end with (killed, injured).
FINAL = {"graz": (7, 34), "houston-a": (2, 0), "houston-b": (0, 4), "medellin": (12, None)}
