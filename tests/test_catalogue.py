import pytest

from protocols.catalogue import (
    Catalogue,
    CatalogueError,
    UnknownWasteCode,
    exemptions_for,
    load_catalogue,
    load_exemptions,
    parse_catalogue_csv,
    parse_hazards,
)

# ../shared/data/README.md (beside the repository), "Counts per category".
COUNTS = dict(
    item.split(":")
    for item in """HW01:5 HW02:20 HW03:1 HW04:13 HW05:7 HW06:6 HW07:6 HW08:32 HW09:3 HW10:4 HW11:85
HW12:20 HW13:8 HW14:1 HW15:4 HW16:8 HW17:21 HW18:4 HW19:1 HW20:1 HW21:13 HW22:4
HW23:4 HW24:1 HW25:1 HW26:1 HW27:2 HW28:1 HW29:22 HW30:1 HW31:6 HW32:1 HW33:5
HW34:19 HW35:12 HW36:9 HW37:4 HW38:7 HW39:2 HW40:1 HW45:8 HW46:3 HW47:2 HW48:33
HW49:11 HW50:44""".split()
)
HEADER = (
    "category_code,category_name,industry_source,waste_code,description,hazard_characteristics,"
    "source_pdf_page\n"
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_edition_is_2021(catalogue: Catalogue) -> None:
    assert catalogue.edition == "2021"


def test_has_467_codes(catalogue: Catalogue) -> None:
    assert len(catalogue) == 467


def test_has_46_categories(catalogue: Catalogue) -> None:
    categories = catalogue.categories()
    assert len(categories) == 46
    assert categories["HW08"] == "废矿物油与含矿物油废物"


def test_counts_per_category_match_readme(catalogue: Catalogue) -> None:
    assert {c: len(catalogue.in_category(c)) for c in catalogue.categories()} == {
        c: int(n) for c, n in COUNTS.items()
    }


def test_get_wipes_and_packaging(catalogue: Catalogue) -> None:
    t = catalogue.get("900-041-49")
    assert t.category_code == "HW49"
    assert t.hazards == ("T", "In")
    assert t.hazard_expression == "T/In"


def test_get_accepts_code_without_hyphens(catalogue: Catalogue) -> None:
    assert catalogue.get("90004149").waste_code == "900-041-49"


@pytest.mark.parametrize("code", ["900-998-49", "garbage", ""])
def test_unknown_code_raises(catalogue: Catalogue, code: str) -> None:
    with pytest.raises(UnknownWasteCode, match="2021"):
        catalogue.get(code)


def test_contains(catalogue: Catalogue) -> None:
    assert "900-249-08" in catalogue
    assert "900-998-49" not in catalogue
    assert "nonsense" not in catalogue


def test_search_by_description(catalogue: Catalogue) -> None:
    assert "900-041-49" in {t.waste_code for t in catalogue.search("过滤吸附介质")}


def test_search_by_code_digits(catalogue: Catalogue) -> None:
    assert [t.waste_code for t in catalogue.search("90024908")] == ["900-249-08"]


def test_search_by_category_is_case_insensitive(catalogue: Catalogue) -> None:
    assert len(catalogue.search("hw08")) == 32


@pytest.mark.parametrize(
    ("expression", "hazards"),
    [
        ("T/C/I/R", ("T", "C", "I", "R")),
        ("T,I", ("T", "I")),
        ("In", ("In",)),
        ("T/C/I/R/In", ("T", "C", "I", "R", "In")),
    ],
)
def test_hazard_expression_parsing(expression: str, hazards: tuple[str, ...]) -> None:
    assert parse_hazards(expression) == hazards


@pytest.mark.parametrize("expression", ["T/C,I", "X", "T,T", ""])
def test_bad_hazard_expression_is_refused(expression: str) -> None:
    with pytest.raises(CatalogueError):
        parse_hazards(expression)


def test_hazard_names_in_chinese(catalogue: Catalogue) -> None:
    assert catalogue.get("841-004-01").hazard_names == ("毒性", "腐蚀性", "易燃性", "反应性")


def test_parse_refuses_category_not_matching_code() -> None:
    with pytest.raises(CatalogueError, match="line 2"):
        parse_catalogue_csv(HEADER + "HW09,x,y,900-249-08,d,T,1\n", "test")


def test_parse_refuses_duplicate_code() -> None:
    row = "HW08,x,y,900-249-08,d,T,1\n"
    with pytest.raises(CatalogueError, match="twice"):
        parse_catalogue_csv(HEADER + row + row, "test")


def test_parse_refuses_missing_column() -> None:
    with pytest.raises(CatalogueError, match="hazard_characteristics"):
        parse_catalogue_csv("category_code,waste_code\nHW08,900-249-08\n", "test")


def test_unknown_edition_is_refused() -> None:
    with pytest.raises(CatalogueError, match="2021"):
        load_catalogue("2025")


def test_exemptions_cover_32_entries() -> None:
    exemptions = load_exemptions()
    assert len(exemptions) == 57
    assert {e.seq for e in exemptions} == set(range(1, 33))


def test_wipes_exempt_at_all_stages() -> None:
    (entry,) = exemptions_for(load_exemptions(), "900-041-49")
    assert entry.seq == 24 and entry.exempt_stage == "全部环节"


def test_category_exemption_applies_to_its_codes() -> None:
    assert {e.seq for e in exemptions_for(load_exemptions(), "841-001-01")} == {2, 3}


def test_every_exempted_code_is_in_catalogue(catalogue: Catalogue) -> None:
    codes = {c for e in load_exemptions() for c in e.waste_codes}
    assert codes and all(c in catalogue for c in codes)
