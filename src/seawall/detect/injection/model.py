"""The offline model: a regularised logistic regression over signal features and hashed character n-grams.

Inference is pure Python and the standard library (``array``, ``zlib``, ``json``): no numpy, no
scikit-learn, no download. The weights ship in ``weights/``:

* ``model.json``    feature names, dense weights, intercept, Platt calibration, n-gram settings
* ``ngrams.f32``    little-endian float32 weights of the hashed n-gram buckets

``scripts/train_injection.py`` writes both; ``features()`` here is the single definition of the
feature vector, shared by training and inference so they cannot drift apart.
"""

from __future__ import annotations

import json
import math
import operator
import sys
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from seawall.detect.injection.signals import SignalReport, obfuscation_flags

KINDS = ("override", "role_hijack", "jailbreak", "sysprompt_exfil", "secret_exfil", "tool_steering",
         "dependency_add", "disable_checks", "social_engineering", "concealment", "ai_addressed",
         "encoded_payload", "urgency", "multilingual", "unicode_tags", "bidi", "zero_width", "homoglyph")
FLAGS = ("tag_chars", "bidi_override", "bidi_embed", "zero_width", "zero_width_in_word", "homoglyph_words",
         "leet_tokens", "decoded_base64", "decoded_hex", "decoded_url", "data_uri", "hidden_regions", "nfkc_changed")
ANOMALY = ("log_len", "unusual_ratio", "code_ratio", "imperatives", "second_person", "ai_words")
CHANNELS = ("prompt", "file", "tool_result", "web", "unknown")

DENSE_NAMES: tuple[str, ...] = (
    *(f"kind:{k}" for k in KINDS),
    "signals_score", "n_kinds", "hit_obfuscated", "hit_hidden", "hit_quoted", "obfuscation_any",
    *(f"flag:{f}" for f in FLAGS),
    *(f"anomaly:{a}" for a in ANOMALY),
    *(f"channel:{c}" for c in CHANNELS),
)

#: Cascade: texts of at least CASCADE_MIN_CHARS with no rule hit and no obfuscation are decided clean
#: without reading n-grams when the score stays below the threshold even with an n-gram part of
#: CASCADE_NGRAM_MARGIN. The largest n-gram part measured on such long texts (development corpus,
#: 5,500 synthetic items, 4 KB corpus cuts) is 1.27; the margin is twice that.
CASCADE_MIN_CHARS = 1024
CASCADE_NGRAM_MARGIN = 2.5

NGRAM_SIZES = (3, 4, 5)
NGRAM_BITS = 18
NGRAM_MAX_CHARS = 8192

# Origin channels and other spellings -> the four channels the model knows
CHANNEL_ALIASES = {
    "prompt": "prompt", "user_prompt": "prompt", "user": "prompt", "system": "prompt",
    "file": "file", "commit": "file",
    "tool_result": "tool_result", "tool_input": "tool_result", "tool": "tool_result", "response": "tool_result",
    "mcp": "tool_result", "terminal": "tool_result",
    "web": "web", "webfetch": "web", "web_fetch": "web", "browser": "web", "url": "web",
}


def channel_name(channel: str | None) -> str:
    if not channel:
        return "unknown"
    return CHANNEL_ALIASES.get(str(channel).lower(), "unknown")


def signals_score(rep: SignalReport) -> float:
    """Heuristic score from signals alone: noisy-OR of the strongest hit per kind, raised by obfuscation."""
    p = 1.0
    for w in rep.kinds.values():
        p *= 1.0 - w
    s = 1.0 - p
    if rep.hits and any(h.obfuscated for h in rep.hits if h.weight >= 0.3):
        s = max(s, min(1.0, s + 0.3))
    return s


def dense_features(rep: SignalReport, channel: str | None) -> list[float]:
    kinds = rep.kinds
    flags = rep.flags
    x = [kinds.get(k, 0.0) for k in KINDS]
    strong = [h for h in rep.hits if h.weight >= 0.3]
    x += [
        signals_score(rep),
        min(len(kinds) / 3.0, 1.0),
        1.0 if any(h.obfuscated for h in strong) else 0.0,
        1.0 if any(h.hidden for h in strong) else 0.0,
        1.0 if any(h.quoted for h in rep.hits) else 0.0,
        1.0 if obfuscation_flags(flags) else 0.0,
    ]
    x += [min(math.log1p(flags.get(f, 0)) / 3.0, 1.5) for f in FLAGS]
    x += [rep.features.get(a, 0.0) for a in ANOMALY]
    ch = channel_name(channel)
    x += [1.0 if ch == c else 0.0 for c in CHANNELS]
    return x


def ngram_text(rep: SignalReport) -> str:
    """The text the n-grams read: folded (and de-leeted) view plus every decoded view."""
    norm = rep.normalized
    leet = norm.view("leet")
    parts = [(leet or norm.views[1]).text]
    for v in norm.views:
        if v.name not in ("main", "folded", "leet"):
            parts.append(v.text)
    text = " \n ".join(parts)
    text = " ".join(text.split())
    return text[:NGRAM_MAX_CHARS]


def ngram_counts_reference(text: str, bits: int = NGRAM_BITS) -> dict[int, int]:
    """Hashed character n-gram counts, one n-gram at a time: the definition (crc32 of the UTF-8 bytes,
    masked to `bits`). ``ngram_counts`` computes the same counts faster."""
    data = text.encode("utf-8", "surrogatepass")
    mask = (1 << bits) - 1
    crc = zlib.crc32
    counts: dict[int, int] = {}
    get = counts.get
    n_bytes = len(data)
    for n in NGRAM_SIZES:
        for i in range(n_bytes - n + 1):
            h = crc(data[i:i + n]) & mask
            counts[h] = get(h, 0) + 1
    return counts


@lru_cache(maxsize=4)
def _crc_planes(n: int, bits: int) -> tuple[tuple[tuple[bytes, ...], ...], tuple[int, ...]]:
    """crc32 of an n-byte string is affine over GF(2) in its bits, so it is the XOR of one table entry per
    byte position (plus a constant): crc(g) = T0[g0] ^ T1[g1] ^ ... ^ C. Each masked table is split into
    byte planes that ``bytes.translate`` can apply to a whole text at once."""
    mask = (1 << bits) - 1
    n_planes = (bits + 7) // 8
    zero = zlib.crc32(bytes(n))
    const = (zero if n % 2 == 0 else 0) & mask  # crc(0^n) counted n-1 times: it cancels when n-1 is even
    tables = [[zlib.crc32(bytes(j) + bytes((b,)) + bytes(n - 1 - j)) & mask for b in range(256)] for j in range(n)]
    planes = tuple(tuple(bytes((t[b] >> (8 * k)) & 0xFF for b in range(256)) for k in range(n_planes))
                   for t in tables)
    return planes, tuple((const >> (8 * k)) & 0xFF for k in range(n_planes))


def ngram_buckets(text: str, bits: int = NGRAM_BITS) -> list[int]:
    """The bucket of every n-gram (all sizes), as ``ngram_counts_reference`` hashes them, computed with
    whole-text operations: per byte plane, translate the text through each position's table, XOR the
    shifted results as big integers, then read the planes back as 32-bit lanes."""
    data = text.encode("utf-8", "surrogatepass")
    n_bytes = len(data)
    if bits > 32 or sys.byteorder != "little":
        return [crc for n in NGRAM_SIZES for crc in (zlib.crc32(data[i:i + n]) & ((1 << bits) - 1)
                                                     for i in range(n_bytes - n + 1))]
    out: list[int] = []
    for n in NGRAM_SIZES:
        m = n_bytes - n + 1
        if m <= 0:
            continue
        planes, const = _crc_planes(n, bits)
        lanes = bytearray(4 * m)
        for k, c in enumerate(const):
            acc = int.from_bytes(bytes((c,)) * m, "little") if c else 0
            for j in range(n):
                acc ^= int.from_bytes(data[j:j + m].translate(planes[j][k]), "little")
            lanes[k::4] = acc.to_bytes(m, "little")
        out += memoryview(lanes).cast("I").tolist()
    return out


def ngram_counts(text: str, bits: int = NGRAM_BITS) -> dict[int, int]:
    """Hashed character n-gram counts (crc32 of the UTF-8 bytes, masked to `bits`)."""
    return Counter(ngram_buckets(text, bits))


_TF = [0.0] + [1.0 + math.log(c) for c in range(1, 4096)]  # sub-linear tf of small counts


def _tf(counts: dict[int, int]) -> list[float]:
    tf = _TF
    top = len(tf)
    return [tf[c] if c < top else 1.0 + math.log(c) for c in counts.values()]


def ngram_vector(counts: dict[int, int]) -> dict[int, float]:
    """Sub-linear tf, L2-normalised."""
    vals = _tf(counts)
    norm = math.sqrt(sum(map(operator.mul, vals, vals))) or 1.0
    return {k: v / norm for k, v in zip(counts, vals, strict=True)}


def ngram_dot(weights: array, counts: dict[int, int]) -> float:
    """``sum(weights[k] * v for k, v in ngram_vector(counts).items())`` without building the vector."""
    vals = _tf(counts)
    norm = math.sqrt(sum(map(operator.mul, vals, vals))) or 1.0
    return sum(map(operator.mul, map(weights.__getitem__, counts), vals)) / norm


@dataclass(frozen=True, slots=True)
class LinearModel:
    dense_names: tuple[str, ...]
    dense_weights: tuple[float, ...]
    dense_scale: float
    ngram_weights: array  # float32 per bucket, or empty when the model uses no n-grams
    ngram_scale: float
    intercept: float
    platt_a: float
    platt_b: float
    threshold: float
    name: str

    def raw(self, rep: SignalReport, channel: str | None) -> float:
        x = dense_features(rep, channel)
        z = self.intercept + self.dense_scale * sum(w * v for w, v in zip(self.dense_weights, x, strict=True))
        if len(self.ngram_weights):
            z += self.ngram_scale * ngram_dot(self.ngram_weights, ngram_counts(ngram_text(rep)))
        return z

    def predict(self, rep: SignalReport, channel: str | None) -> float:
        """Calibrated probability of injection (Platt scaling of the decision value)."""
        return self._calibrated(self.raw(rep, channel))

    def _calibrated(self, raw: float) -> float:
        z = self.platt_a * raw + self.platt_b
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def clean_bound(self, rep: SignalReport, channel: str | None) -> float | None:
        """The cascade's first stage: for a long text in which no rule fired and nothing was obfuscated,
        the score the full model could at most give, taking the n-gram part at ``CASCADE_NGRAM_MARGIN``
        (reading the n-grams is most of the model's cost). None when the stage does not apply."""
        if rep.hits or len(rep.normalized.raw) < CASCADE_MIN_CHARS or obfuscation_flags(rep.flags):
            return None
        x = dense_features(rep, channel)
        z = self.intercept + self.dense_scale * sum(w * v for w, v in zip(self.dense_weights, x, strict=True))
        if len(self.ngram_weights):
            z += self.ngram_scale * CASCADE_NGRAM_MARGIN
        return self._calibrated(z)


MODEL_PACKAGE = "seawall.detect.injection.weights"


@lru_cache(maxsize=1)
def load_model() -> LinearModel | None:
    """The shipped model, or None if this build has none (then signals alone decide)."""
    try:
        root = resources.files(MODEL_PACKAGE)
        meta = json.loads((root / "model.json").read_text("utf-8"))
    except (FileNotFoundError, ModuleNotFoundError, OSError, ValueError):
        return None
    if tuple(meta["dense_names"]) != DENSE_NAMES:
        return None  # trained on another feature layout: refuse rather than mis-score
    weights = array("f")
    if meta.get("ngram_file"):
        weights.frombytes((root / meta["ngram_file"]).read_bytes())
        if sys.byteorder != "little":
            weights.byteswap()
        if len(weights) != 1 << int(meta["ngram_bits"]):
            return None
    return LinearModel(
        dense_names=tuple(meta["dense_names"]),
        dense_weights=tuple(float(w) for w in meta["dense_weights"]),
        dense_scale=float(meta.get("dense_scale", 1.0)),
        ngram_weights=weights,
        ngram_scale=float(meta.get("ngram_scale", 1.0)),
        intercept=float(meta["intercept"]),
        platt_a=float(meta["platt"][0]),
        platt_b=float(meta["platt"][1]),
        threshold=float(meta.get("threshold", 0.5)),
        name=str(meta.get("name", "linear")),
    )
