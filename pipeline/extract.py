"""Extraction of one article: the stages in order, from raw text to validated records and claims.

    normalise → split sentences → segment (sentences that can hold a company) → recognise
    (amounts, places, dates, companies, sectors) → home place (metadata region, else inferred
    from the text) → assemble → validate

`extract_article` is a pure function of the article and the rules: the same input gives the same
output. Errors become an `Article` row with status "error" and the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import amounts as amounts_mod
from . import dates as dates_mod
from . import patterns
from . import places as places_mod
from .assemble import assemble
from .mentions import CompanyMention, Mentions
from .companies import _rules as _company_rules
from .companies import (company_core, find_companies, find_enumerations, find_known_firms, find_short_names,
                        link_companies)
from .home import infer_home
from .models import Article, Claim, Record
from .validate import validate
from .normalise import normalise
from .read import MAX_ARTICLE_CHARS, RawArticle
from .retold import restage_retold
from .segment import LazyTokens
from .sentences import split_sentences


@dataclass
class ArticleResult:
    article: Article
    records: list[Record] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)


def _year_of(date: str | None) -> int | None:
    if date and _YEAR.match(date):
        return int(date[:4])
    return None


_YEAR = patterns.compile(r"\d{4}")
_MONEY_HINT = patterns.compile(r"[亿万元¥$€£]|港币|英镑")


def _amounts_by_paragraph(text: str, year: int | None):
    """Amounts paragraph by paragraph (the amount recogniser's context never crosses a line break,
    so this equals one call on the whole text), skipping paragraphs that cannot hold money."""
    out = []
    pos = 0
    for para in text.split("\n\n"):
        if _MONEY_HINT.search(para):
            for a in amounts_mod.find_amounts(para, year):
                out.append(replace(a, start=a.start + pos, end=a.end + pos))
        pos += len(para) + 2
    return out


def recognise(text: str, sentences, segmenter: str, publication: str | None, home: str | None,
              title: str | None = None, source: str | None = None) -> tuple[Mentions, object, str | None]:
    """Run the recognisers over the normalised text of one article. Without a `home` region from
    the metadata, the home stage infers one from the text, headline and source, and the places are
    resolved again against it (short forms, 我县, 该县). Returns (mentions, the home as a place
    mention or None, how the home was found)."""
    home = (home or "").strip() or None          # a blank region is no region
    suffix_re = _company_rules()["suffix_re"]
    companies = []
    enumerations = []
    for s in sentences:
        if suffix_re.search(s.text):
            for c in find_companies(s.text, LazyTokens(s.text, segmenter)):
                companies.append(type(c)(c.start + s.start, c.end + s.start, c.text, c.name, c.core, c.rule))
        if "、" in s.text or "等" in s.text:     # a list (A、B), or one project of a count (签约A等14个项目)
            enumerations.extend(find_enumerations(text, s.start, s.end, companies))
    companies.extend(_listed_companies(enumerations, companies, text))
    taken = [(c.start, c.end) for c in companies]
    for s in sentences:
        companies.extend(find_short_names(text, s.start, s.end, taken))
    taken = [(c.start, c.end) for c in companies]
    for s in sentences:
        companies.extend(find_known_firms(text, s.start, s.end, taken))
    companies = link_companies(sorted(companies, key=lambda c: (c.start, c.end)), text)
    exclude = [(c.start, c.end) for c in companies]
    places = places_mod.find_places(text, home, exclude=exclude)
    home_rule = "home:metadata" if home else None
    home_place = places_mod.resolve_region(home) if home else None
    if not home:
        guess = infer_home(text, normalise(title) if title else None, source, places)
        if guess is not None:
            home_place, home_rule = guess.place, guess.rule
            places = places_mod.find_places(text, guess.region, exclude=exclude)
    m = Mentions(
        amounts=_amounts_by_paragraph(text, _year_of(publication)),
        places=places,
        companies=companies,
        enumerations=enumerations,
        find_dates=lambda a, b: [replace(d, start=d.start + a, end=d.end + a)
                                 for d in dates_mod.find_dates(text[a:b], publication)],
    )
    return m, home_place, home_rule


def _listed_companies(enumerations, companies, text: str):
    """Company items of lists (江淮建工、恒信环保、粤海食品等十余家企业) that the suffix rules did
    not find: company mentions of their own."""
    out = []
    for e in enumerations:
        for a, b, kind in e.items:
            if kind == "company" and not any(c.start < b and a < c.end for c in companies):
                name = text[a:b]
                out.append(CompanyMention(a, b, name, name, company_core(name), rule="company:list"))
    return out


def _home_name(home, publication: str | None) -> str | None:
    """The home as the article names it (溧水县 in 2012)."""
    if home is None or home.ambiguous:
        return None
    return places_mod.as_of(home, _year_of(publication))[0]


def extract_article(raw: RawArticle, segmenter: str = "jieba") -> ArticleResult:
    """Extract one raw article. Never raises for bad input: errors go into the Article row."""
    base = dict(article_id=raw.id, source=raw.source, title=raw.title, date=raw.date, region=raw.region,
                source_kind=raw.kind, origin=raw.origin, content_hash=raw.content_hash, encoding=raw.encoding)
    if raw.error:
        return ArticleResult(Article(**base, status="error", error=raw.error))
    if raw.text is None or not raw.text.strip():
        return ArticleResult(Article(**base, status="error", error="empty text"))
    if len(raw.text) > MAX_ARTICLE_CHARS:
        return ArticleResult(Article(**base, status="error",
                                     error=f"text of {len(raw.text)} characters exceeds the limit of {MAX_ARTICLE_CHARS}"))
    try:
        publication = dates_mod.parse_publication(raw.date)
        pub_value = publication.value if publication is not None else None
        text = normalise(raw.text)
        sentences = split_sentences(text)
        m, home, home_rule = recognise(text, sentences, segmenter, pub_value, raw.region, raw.title, raw.source)
        drafts, claim_drafts = assemble(text, sentences, m, home)
        drafts = restage_retold(drafts, text, raw.title, pub_value)
        records, claims = validate(raw.id, text, drafts, claim_drafts, home, pub_value, m.places)
    except (ValueError, TypeError) as exc:
        return ArticleResult(Article(**base, status="error", error=f"{type(exc).__name__}: {exc}"))
    except Exception as exc:                # a bug of ours: the article is accounted for, the batch goes on
        return ArticleResult(Article(**base, status="error",
                                     error=f"extractor error (a bug, please report it): {type(exc).__name__}: {exc}"))
    art = Article(**base, status="ok", n_records=len(records), n_claims=len(claims), text=text,
                  home=_home_name(home, pub_value), home_code=home.code if home else None, home_rule=home_rule)
    return ArticleResult(art, records, claims)
