"""Output models: what one project record, one claim and one article row look like.

These pydantic models are the contract of records.jsonl, claims.jsonl and articles.jsonl
(`python -m pipeline schema` prints their JSON schema)."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator

Stage = Literal["signed", "negotiating", "started", "operating", "other"]
Qualifier = Optional[Literal["approx", "over", "range"]]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Record(_Out):
    """One project: who invests how much where, with the evidence that says so."""
    article_id: str
    record_id: str = Field(description="article_id + '#r' + ordinal; stable for the same input")
    company: Optional[str] = Field(None, description="investor company, longest form used in the article; several joined by 、")
    companies: list[str] = Field(default_factory=list, description="each investor separately")
    county: Optional[str] = Field(None, description="county-level unit or zone, as the article names it (a former "
                                                   "name stays: 溧水县 in 2012)")
    county_code: Optional[str] = Field(None, pattern=r"^\d{6}$", description="6-digit administrative code valid at the "
                                                                           "article's date")
    current_county: Optional[str] = Field(None, description="the unit today (溧水区): what roll-ups group by")
    current_county_code: Optional[str] = Field(None, pattern=r"^\d{6}$", description="today's code of the unit")
    city: Optional[str] = None
    city_code: Optional[str] = Field(None, pattern=r"^\d{6}$")
    province: Optional[str] = None
    place_flag: Optional[str] = Field(None, description="'ambiguous' when a place name could not be resolved")
    amount: Optional[float] = Field(None, description="investment in 亿 of `currency` (low end for ranges)")
    currency: Optional[str] = Field(None, pattern=r"^[A-Z]{3}$")
    amount_yi: Optional[float] = Field(None, description="amount in 亿元 CNY")
    amount_converted: bool = Field(False, description="amount_yi converted from another currency")
    amount_qualifier: Qualifier = None
    amount_high: Optional[float] = None
    amount_text: Optional[str] = None
    project: Optional[str] = None
    stage: Stage = "other"
    sector: Optional[str] = None
    date: Optional[str] = Field(None, description="ISO date, month, quarter (YYYY-Qn), year or interval a/b")
    date_precision: Optional[str] = None
    signed_date: Optional[str] = Field(None, description="when the project was signed, where a report of a later "
                                                         "stage recalls it (据悉,该项目于2019年3月签约); ISO as date")
    evidence: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    rule: str

    @model_validator(mode="after")
    def _check(self):
        if self.end < self.start:
            raise ValueError("evidence end before start")
        if self.amount is not None and self.currency is None:
            raise ValueError("amount without currency")
        if self.amount_high is not None and self.amount is not None and self.amount_high < self.amount:
            raise ValueError("amount_high below amount")
        return self


class Claim(_Out):
    """An aggregate figure the article quotes: a count of projects and/or a total investment."""
    article_id: str
    claim_id: str
    scope: str
    project_count: Optional[int] = Field(None, ge=0)
    count_unit: Optional[str] = Field(None, description="项目 or 企业 (counts in firms)")
    total_amount: Optional[float] = None
    currency: Optional[str] = Field(None, pattern=r"^[A-Z]{3}$")
    total_yi: Optional[float] = None
    amount_qualifier: Qualifier = None
    total_high: Optional[float] = None
    measure: Optional[str] = Field(None, description="what the total measures: investment, contract, funds_received, "
                                                    "fdi_actual, fdi_contract, completed")
    category: Optional[str] = Field(None, description="for a breakdown: the class it counts (工业, 外资, 亿元以上)")
    parent: Optional[str] = Field(None, description="for a breakdown: claim_id of the figure it breaks down")
    date: Optional[str] = None
    date_precision: Optional[str] = None
    evidence: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    rule: str

    @model_validator(mode="after")
    def _check(self):
        if self.project_count is None and self.total_amount is None:
            raise ValueError("a claim needs a count or a total")
        if self.end < self.start:
            raise ValueError("evidence end before start")
        return self


class Article(_Out):
    """Every input article gets one row, ok or error, so nothing falls through the cracks."""
    article_id: str
    source: Optional[str] = None
    title: Optional[str] = None
    date: Optional[str] = None
    region: Optional[str] = None
    source_kind: Optional[str] = Field(None, description="an official source's kind (communique, work_report, "
                                                         "bureau_release, government_release): its claims are official")
    origin: str = Field(description="file (and line) the article came from")
    content_hash: Optional[str] = None
    encoding: Optional[str] = None
    duplicate_of: Optional[str] = Field(None, description="id of an article with the same text, extracted instead")
    extractor: Optional[str] = Field(None, description="version of the code and rules that extracted it")
    status: Literal["ok", "error"]
    error: Optional[str] = None
    n_records: int = 0
    n_claims: int = 0
    home: Optional[str] = Field(None, description="the place the article is about (its region, else inferred from the "
                                                 "text), as the article names it")
    home_code: Optional[str] = Field(None, description="today's administrative code of `home` (None for zones without one)")
    home_rule: Optional[str] = Field(None, description="how the home was found: home:metadata, or the evidence that decided it")
    text: Optional[str] = Field(None, description="normalised text; offsets point into it")


def json_schemas() -> dict:
    return {"record": Record.model_json_schema(), "claim": Claim.model_json_schema(),
            "article": Article.model_json_schema()}
