"""Personal data never reaches a log handler unmasked: not the CLI's, not one attached to a
child logger (as Prefect's API handler is to `prefect.flow_runs`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tasks.log_masking import MaskingFilter, install_masking


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def child() -> Iterator[tuple[logging.Logger, Keep]]:
    before = logging.getLogRecordFactory()
    logger = logging.getLogger("prefect.flow_runs.test_masking")
    keep = Keep()
    logger.addHandler(keep)
    logger.propagate = False
    try:
        yield logger, keep
    finally:
        logger.removeHandler(keep)
        logging.setLogRecordFactory(before)


PERSONAL = {
    "id": ("身份证 11010519491231002X", "19491231"),
    "card": ("卡号 6225 8801 2345 6789", "8801 2345"),
    "mobile": ("手机 13812345678", "1234"),
    "email": ("邮箱 zhang.san@example.com", "zhang.san"),
    "address": ("地址 南京市中山路18号201室", "201"),
}


@pytest.mark.parametrize("kind", sorted(PERSONAL))
def test_a_child_loggers_own_handler_gets_masked_text(
    child: tuple[logging.Logger, Keep], kind: str
) -> None:
    logger, keep = child
    install_masking()
    text, secret = PERSONAL[kind]
    logger.warning("case 7: %s", text)
    assert len(keep.lines) == 1
    assert secret not in keep.lines[0] and keep.lines[0].startswith("case 7: ")


def test_without_the_factory_the_same_handler_would_see_it(
    child: tuple[logging.Logger, Keep],
) -> None:
    """The factory is what protects a handler of a child logger (this test fails if masking
    only filters a few named loggers)."""
    logger, keep = child
    logging.setLogRecordFactory(logging.LogRecord)  # as if nothing had installed masking
    logger.warning("手机 %s", "13812345678")
    assert keep.lines == ["手机 13812345678"]


def test_the_filter_masks_a_record_made_elsewhere() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "卡 %s", ("6225880123456789",), None)
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "卡 6225 **** **** 6789"


def test_install_is_idempotent(child: tuple[logging.Logger, Keep]) -> None:
    install_masking()
    factory = logging.getLogRecordFactory()
    install_masking()
    assert logging.getLogRecordFactory() is factory
