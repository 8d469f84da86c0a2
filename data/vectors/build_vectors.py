"""Train the word vectors of ``wordvectors.npz`` (read by :func:`toolkit.followthrough.load_vectors`).

Usage (needs gensim, which the toolkit itself does not: ``pip install gensim==4.4.0``)::

    python data/vectors/build_vectors.py ../shared/corpora

Trained only on the shared corpora whose licences allow shipping a derived model: municipal-2024 and
provincial-2025 (both MIT). Never on the national series (GPL) or the Beijing PDF (CC BY-NC-SA).

Tokens: every unit of those reports (``load_corpus``), tokenized by :class:`toolkit.tokenize.Tokenizer`
(project dictionary and stopwords). Word2Vec skip-gram, 64 dimensions, window 5, words seen at least 5
times, 10 epochs, ``seed=27`` and one worker thread (so the same corpus gives the same vectors). The
vectors are unit-normalised and stored as float16 with the words (``<U16``) in a ``.npz`` (no pickles,
fixed member dates); its sha256 is written to ``wordvectors.sha256``, which the loader checks.
"""
from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

from toolkit import load_corpus
from toolkit.tokenize import Tokenizer

HERE = Path(__file__).resolve().parent
OUT = HERE / "wordvectors.npz"
CORPORA = ("municipal-2024", "provincial-2025")  # MIT: a derived model may be shipped
DIM, WINDOW, MIN_COUNT, EPOCHS, SEED = 64, 5, 5, 10, 27


def _stable_hash(word: str) -> int:
    """gensim seeds each word's first vector with ``hashfxn(word + str(seed))``; Python's own hash
    changes between processes, this one does not."""
    return int(hashlib.sha256(word.encode("utf-8")).hexdigest()[:8], 16)


def _write_npz(path: Path, **arrays: np.ndarray) -> None:
    """Like ``np.savez_compressed``, with fixed member dates (the same arrays give the same bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def main(root: str) -> None:
    from gensim.models import Word2Vec

    corpus = load_corpus([Path(root) / name for name in CORPORA], skip_bad=True)
    units = corpus.units.sort_values(["report_id", "start"], kind="mergesort")
    sentences = [t for t in Tokenizer(cache=False).tokenize_many(units["text"]) if t]
    model = Word2Vec(sentences, vector_size=DIM, window=WINDOW, min_count=MIN_COUNT, sg=1, epochs=EPOCHS,
                     seed=SEED, workers=1, hashfxn=_stable_hash)
    words = sorted(w for w in model.wv.index_to_key if len(w) <= 16)
    vectors = np.stack([model.wv[w] for w in words]).astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    _write_npz(OUT, words=np.array(words, dtype="<U16"), vectors=vectors.astype(np.float16))
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    (HERE / "wordvectors.sha256").write_text(f"{digest}  wordvectors.npz\n", encoding="utf-8")
    print(f"{len(sentences)} units, {len(words)} words x {DIM}: {OUT.stat().st_size / 1e6:.1f} MB, sha256 {digest}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpora")
