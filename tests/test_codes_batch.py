import datetime as dt

import pytest

from protocols.codes.batch import BATCH_PREFIXES, BatchCodeError, batch_code, parse_batch_code


def test_hj1259_example() -> None:
    assert batch_code("HWCS", dt.date(2021, 10, 31), 1) == "HWCS20211031001"


@pytest.mark.parametrize("prefix", sorted(BATCH_PREFIXES))
def test_round_trip_every_prefix(prefix: str) -> None:
    parsed = parse_batch_code(batch_code(prefix, dt.date(2021, 10, 31), 12))
    assert (parsed.prefix, parsed.date, parsed.seq) == (prefix, dt.date(2021, 10, 31), 12)


def test_step_name() -> None:
    assert parse_batch_code("HWRK20211031001").step == "入库"


def test_wider_serial() -> None:
    code = batch_code("HWRK", dt.date(2021, 10, 31), 1234, seq_length=5)
    assert code == "HWRK2021103101234"
    assert parse_batch_code(code, seq_length=5).seq == 1234


@pytest.mark.parametrize(
    ("code", "part"),
    [
        ("HWXX20211031001", "prefix"),
        ("HWCS2021103101", "length"),
        ("HWCS20211331001", "date"),
        ("HWCS20211031000", "seq"),
        ("hwcs20211031001", "prefix"),
    ],
)
def test_parse_names_wrong_part(code: str, part: str) -> None:
    with pytest.raises(BatchCodeError) as info:
        parse_batch_code(code)
    assert info.value.part == part


@pytest.mark.parametrize(
    ("prefix", "seq", "part"), [("HWXX", 1, "prefix"), ("HWCS", 0, "seq"), ("HWCS", 1000, "seq")]
)
def test_build_names_wrong_part(prefix: str, seq: int, part: str) -> None:
    with pytest.raises(BatchCodeError) as info:
        batch_code(prefix, dt.date(2021, 10, 31), seq)
    assert info.value.part == part
