"""Delinquency buckets from days past due. Boundaries are data (policy/buckets.yaml)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

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


class BucketEntry(BaseModel):
    """One line of buckets.yaml: a bucket and the highest DPD it holds (none for the last)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: Bucket
    max_dpd: int | None = Field(default=None, ge=0)


class BucketsFile(BaseModel):
    """policy/buckets.yaml: `buckets`, in order, each ending after the one before, the last
    open-ended. The models check each entry; `problems` checks their order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    buckets: tuple[BucketEntry, ...] = Field(min_length=2)

    def problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(path in the file, message) for every entry out of order; empty when sound."""
        out: list[tuple[tuple[str | int, ...], str]] = []
        previous = -1
        last = len(self.buckets) - 1
        for i, entry in enumerate(self.buckets):
            if i == last:
                if entry.max_dpd is not None:
                    msg = f"buckets[{i}]: the last bucket is open-ended, drop max_dpd"
                    out.append((("buckets", i, "max_dpd"), msg))
            elif entry.max_dpd is None or entry.max_dpd <= previous:
                msg = f"buckets[{i}]: max_dpd must be an integer above {previous}"
                out.append((("buckets", i, "max_dpd"), msg))
            else:
                previous = entry.max_dpd
        return out

    def scheme(self) -> BucketScheme:
        """The scheme; ValueError (its message the first problem) when `problems` finds any."""
        found = self.problems()
        if found:
            raise ValueError(found[0][1])
        bounds = tuple((e.max_dpd, e.bucket) for e in self.buckets[:-1] if e.max_dpd is not None)
        return BucketScheme(bounds, self.buckets[-1].bucket)


def scheme_from_data(data: Mapping[str, object] | Sequence[object] | None) -> BucketScheme:
    """Build a scheme from `{"buckets": [{"bucket": "M0", "max_dpd": 0}, ..., {"bucket": "M7+"}]}`
    (or the list alone); None is the default scheme. Raises ValueError (pydantic's
    ValidationError is one) when the data is wrong."""
    if data is None:
        return DEFAULT_SCHEME
    items = data.get("buckets") if isinstance(data, Mapping) else data
    return BucketsFile.model_validate({"buckets": items}).scheme()
