"""Delinquency buckets from days past due. Boundaries are data (policy/buckets.yaml)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rules.enums import Bucket


@dataclass(frozen=True)
class BucketScheme:
    """Ordered upper bounds: bucket `bounds[i][1]` holds DPD <= `bounds[i][0]`; the last is open."""

    bounds: tuple[tuple[int, Bucket], ...]
    last: Bucket

    def bucket_for(self, days_past_due: int) -> Bucket:
        if days_past_due < 0:
            raise ValueError(f"days past due cannot be negative: {days_past_due}")
        for upper, bucket in self.bounds:
            if days_past_due <= upper:
                return bucket
        return self.last

    def ranges(self) -> list[tuple[Bucket, int, int | None]]:
        """(bucket, lowest DPD, highest DPD or None) in order, for tables and SQL."""
        out: list[tuple[Bucket, int, int | None]] = []
        low = 0
        for upper, bucket in self.bounds:
            out.append((bucket, low, upper))
            low = upper + 1
        out.append((self.last, low, None))
        return out


DEFAULT_SCHEME = BucketScheme(
    bounds=(
        (0, Bucket.M0),
        (30, Bucket.M1),
        (60, Bucket.M2),
        (90, Bucket.M3),
        (120, Bucket.M4),
        (150, Bucket.M5),
        (180, Bucket.M6),
    ),
    last=Bucket.M7_PLUS,
)


def scheme_from_data(data: Mapping[str, object] | Sequence[object] | None) -> BucketScheme:
    """Build a scheme from `{"buckets": [{"bucket": "M0", "max_dpd": 0}, ..., {"bucket": "M7+"}]}`.

    Every bucket but the last needs `max_dpd`, strictly increasing; the last has none.
    Raises ValueError with a readable message when the data is wrong.
    """
    if data is None:
        return DEFAULT_SCHEME
    items = data.get("buckets") if isinstance(data, Mapping) else data
    if not isinstance(items, Sequence) or len(items) < 2:
        raise ValueError("buckets: need a list of at least two buckets")
    bounds: list[tuple[int, Bucket]] = []
    previous = -1
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or "bucket" not in item:
            raise ValueError(f"buckets[{i}]: each entry needs a 'bucket'")
        try:
            bucket = Bucket(str(item["bucket"]))
        except ValueError:
            known = ", ".join(b.value for b in Bucket)
            raise ValueError(f"buckets[{i}]: unknown bucket {item['bucket']!r} ({known})") from None
        is_last = i == len(items) - 1
        if is_last:
            if item.get("max_dpd") is not None:
                raise ValueError(f"buckets[{i}]: the last bucket is open-ended, drop max_dpd")
            return BucketScheme(tuple(bounds), bucket)
        upper = item.get("max_dpd")
        if not isinstance(upper, int) or upper <= previous:
            raise ValueError(f"buckets[{i}]: max_dpd must be an integer above {previous}")
        bounds.append((upper, bucket))
        previous = upper
    raise AssertionError("unreachable")
