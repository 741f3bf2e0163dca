"""Results from abstracts (issue 23): number parsing, the extraction rules on typical sentences, the metric data,
and the scores on the results gold (tests/data/results/gold.jsonl: tuning and held-out by a hash of the paper id)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg
from kg.extract.numbers import scan_numbers
from kg.extract.results import knowledge, paper_results
from kg.types import Paper, PaperExtraction

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "data" / "results" / "gold.jsonl"
CORPUS = [
    *sorted((ROOT / "data" / "corpus").glob("daily-papers-*.txt")),
    ROOT / "data" / "corpus" / "venue-abstracts-1980-2022.json",
]

# ---------------------------------------------------------------------------------------------- numbers


def parsed(text: str) -> list[tuple[str, float, str | None, str | None]]:
    return [(text[n.start : n.end], n.value, n.unit, n.reason) for n in scan_numbers(text)]


def test_odd_number_formats_are_parsed_or_skipped_with_a_reason() -> None:
    assert parsed("1,000.5 and 350{,}757 coins") == [
        ("1,000.5", 1000.5, None, None),
        ("350{,}757", 350757.0, None, "integer"),
    ]
    assert parsed("trained on 1.5k examples, 7B parameters, 1.3 billion tokens")[0][3] == "size"
    assert [r[3] for r in parsed("a 7B model and 1.3 billion tokens in 2024")] == ["size", "size", "year"]
    one = scan_numbers("it scores 93.2±0.4 and 3.6%±1.5%")
    assert (one[0].value, one[0].error, one[1].value, one[1].unit, one[1].error) == (93.2, 0.4, 3.6, "%", 1.5)
    assert [r[3] for r in parsed("between 8%∼13%, 2%-4%, 60% to 75%, AUC 0.82-0.84")] == ["range"] * 8
    assert [r[3] for r in parsed("$\\sim$5% and ~1%, about 20 points, up to 29%, over 90%, <48%")] == [
        "approximate",
        "approximate",
        "approximate",
        "bound",
        "bound",
        "bound",
    ]
    changes = scan_numbers("from 41.2 to 57.9, 58.9 rightarrow 61.7 and 51.9\\% $\\rightarrow$ 67.8\\%")
    assert [(n.value, n.pair) for n in changes] == [
        (41.2, "from"), (57.9, "to"), (58.9, "from"), (61.7, "to"), (51.9, "from"), (67.8, "to")
    ]  # fmt: skip
    assert changes[5].unit == "%" and changes[4].partner is changes[5]
    names = parsed("CIFAR-10, GPT-4o, Llama-3.1-8B, R@1, v1.5")  # parts of names, and the 8B of a model size
    assert [r[3] for r in names] == ["in-name", "in-name", "in-name", "size", "in-name", "in-name"]
    assert [r[3] for r in parsed("95. l% recall and 5.1(/~ rate")] == ["malformed", "malformed"]
    assert parsed("-4.9% behind, +8.9% on SR, a 5.2-point gain, by 2.39 percent points")[:2] == [
        ("-4.9%", -4.9, "%", None),
        ("+8.9%", 8.9, "%", None),
    ]
    assert [r[2] for r in parsed("a 5.2-point gain, by 2.39 percent points, 3 BLEU points")] == ["points"] * 3
    assert [r[3] for r in parsed("λ = 0.1, k=16, Table 3, Section 4.2")] == ["label", "integer", "integer", "label"]
    slashed = scan_numbers("27.69/32.24 BLEU")
    assert slashed[0].group == slashed[1].group and [n.index for n in slashed] == [0, 1]


# ---------------------------------------------------------------------------------------------- extraction

# (abstract, [(number as written, kind, benchmark as written or named, metric)]); a fifth field names the subject
# when the number is not the paper's own
CASES = [
    ("FooNet achieves 7.43 on MT-Bench and 85.3% accuracy on GSM8K.",
     [("7.43", "absolute", "MT-Bench", "MT-Bench score"), ("85.3%", "absolute", "GSM8K", "accuracy")]),
    ("Our method reaches an FID of 1.93 on CIFAR-10.", [("1.93", "absolute", "CIFAR-10", "FID")]),
    ("Our approach improves accuracy on GSM8K by 3.2 points over DPO.", [("3.2 points", "gain", "GSM8K", "accuracy")]),
    ("BazPO gives +6.9% accuracy over DPO on AlpacaEval.", [("+6.9%", "gain", "AlpacaEval", "accuracy", "BazPO")]),
    ("On SQuAD, our model obtains 91.2 EM and 94.3 F1.",
     [("91.2", "absolute", "SQuAD", "EM"), ("94.3", "absolute", "SQuAD", "F1")]),
    ("We obtain state-of-the-art results on GSM8K (85.2%), MATH (56.4%) and HumanEval (90.1%).",
     [("85.2%", "absolute", "GSM8K", "accuracy"), ("56.4%", "absolute", "MATH", "accuracy"),
      ("90.1%", "absolute", "HumanEval", "pass@1")]),
    ("It reduces the WER from 10.2% to 8.1% on LibriSpeech.", [("8.1%", "absolute", "LibriSpeech", "WER")]),
    ("This yields a 3.4 point improvement in nDCG@10 on BEIR.", [("3.4 point", "gain", "BEIR", "nDCG@10")]),
    ("Our model scores 93.2±0.4 on MMLU.", [("93.2±0.4", "absolute", "MMLU", "accuracy")]),
    ("Our model achieves 88.9 and 90.1 F1 on SQuAD 1.1 and SQuAD 2.0, respectively.",
     [("88.9", "absolute", "SQuAD 1.1", "F1"), ("90.1", "absolute", "SQuAD 2.0", "F1")]),
    ("We evaluate FooNet on the HellaSwag benchmark. FooNet reaches an accuracy of 81.5%.",
     [("81.5%", "absolute", "HellaSwag", "accuracy")]),
    ("Our model achieves 85.3% accuracy (vs. 80.1% for GPT-4) on MMLU.",
     [("85.3%", "absolute", "MMLU", "accuracy"), ("80.1%", "absolute", "MMLU", "accuracy", "GPT-4")]),
    ("It improves ROUGE-L by 2.1 points on CNN/DailyMail and BLEU from 45.1 to 52.3 on WMT16.",
     [("2.1 points", "gain", "CNN/DailyMail", "ROUGE-L"), ("52.3", "absolute", "WMT16", "BLEU")]),
    (
        "We obtain EM/F1 of 72.1/80.3 on SQuAD.",
        [("72.1", "absolute", "SQuAD", "EM"), ("80.3", "absolute", "SQuAD", "F1")],
    ),
    ("Our best system ranked 2nd out of 15 teams in the SemEval-2014 Task 4 competition.",
     [("2nd", "rank", "SemEval-2014 Task 4", None)]),
    ("GPT-4o scores 88.7% on MMLU, while Llama-3-70B scores 82.0%.",
     [("88.7%", "absolute", "MMLU", "accuracy", "GPT-4o"), ("82.0%", "absolute", "MMLU", "accuracy", "Llama-3-70B")]),
    ("Our 8B model achieves 68.2 on LiveCodeBench, outperforming Qwen2.5-72B-Instruct (61.3).",
     [("68.2", "absolute", "LiveCodeBench", "pass@1"),
      ("61.3", "absolute", "LiveCodeBench", "pass@1", "Qwen2.5-72B-Instruct")]),
    ("FooSeg reaches +3.2 mIoU on ADE20K and 1.7 points higher accuracy on Cityscapes.",
     [("+3.2", "gain", "ADE20K", "mIoU"), ("1.7 points", "gain", "Cityscapes", "accuracy")]),
    ("Our chatbot scores 1320 Elo on Chatbot Arena.", [("1320", "absolute", "Chatbot Arena", "Elo")]),
    # numbers that are no results
    ("We train on 1,000.5 hours and 1.5k examples; accuracy on MMLU is $\\sim$70%.", []),
    ("Our 7B model matches a 70B model on 2 of 3 benchmarks released in 2023.", []),
    ("We improve MMLU accuracy by up to 12% and by about 5% on GSM8K.", []),
    ("Our model improves over GPT-4 by 5.1% on average across six benchmarks.", []),
    ("We set λ = 0.1 and a learning rate of 0.001 on CIFAR-10, using 10% of ImageNet and 50% fewer parameters.", []),
    ("See Section 4.2 and Table 3; version 2.0 of the code runs at 95% confidence on GSM8K.", []),
    (
        "Our SR approach outperforms them all on TrueMatch by a significant margin (e.g. +4.8% - 7.1% over Cambrian).",
        [],
    ),
    ("The model has 1.3B parameters, was trained for 3.5 days on 8 GPUs and costs $2.5 per hour on ImageNet.", []),
]  # fmt: skip


@pytest.fixture(scope="module")
def extracted() -> list[PaperExtraction]:
    papers = [Paper(id=f"s{n}", title="A study of results", abstract=text) for n, (text, _) in enumerate(CASES)]
    return kg.extract_entities(papers)


@pytest.mark.parametrize("n", range(len(CASES)), ids=lambda n: CASES[n][0][:40])
def test_results_of_typical_sentences(extracted: list[PaperExtraction], n: int) -> None:
    text, expected = CASES[n]
    got = []
    for result in extracted[n].results:
        names = {result.benchmark, result.benchmark_text}
        want = next((e for e in expected if e[0] == result.text), None)
        benchmark = want[2] if want and want[2] in names else result.benchmark
        got.append((result.text, result.kind, benchmark, result.metric))
        assert text[result.start : result.end] == result.text  # offsets hold: text == abstract[start:end]
        assert result.text in result.sentence
        if want is not None:
            subject = want[4] if len(want) > 4 else None
            if subject is not None:  # someone else's number, named
                assert not result.own and result.subject == subject
    assert sorted(got, key=str) == sorted((e[:4] for e in expected), key=str)


def test_results_are_in_kg_extract_lines_and_old_lines_still_load(extracted: list[PaperExtraction]) -> None:
    from kg.extract.pipeline import extraction_line

    row = json.loads(extraction_line(extracted[0]))
    assert [r["text"] for r in row["results"]] == ["7.43", "85.3%"]
    assert row["results"][0]["benchmark_entity"] == next(
        n for n, e in enumerate(row["entities"]) if e["name"] == "MT-Bench"
    )
    old = PaperExtraction("x", [])  # an extraction without results (older kg extract lines) is still valid
    assert old.results == [] and old.to_json_dict()["results"] == []


def test_entities_are_the_same_with_and_without_the_results_step() -> None:
    """The results component reads the entities and adds results: it never changes an entity."""
    from kg.extract.pipeline import load_pipeline, paper_text

    nlp = load_pipeline()
    paper = Paper(id="p", title="FooNet", abstract=CASES[0][0] + " " + CASES[4][0])
    with nlp.select_pipes(disable=["kg_results"]):
        without = nlp(paper_text(paper))._.kg_entities
    with_results = nlp(paper_text(paper))
    assert [e.to_dict() for e in with_results._.kg_entities] == [e.to_dict() for e in without]
    assert with_results._.kg_results


def test_paper_results_and_skip_counts() -> None:
    entities = kg.extract_entities([Paper("p", "T", "Our model reaches 81.5% accuracy on GSM8K with 7B parameters.")])
    skipped: Counter[str] = Counter()
    found = paper_results(
        "T", "Our model reaches 81.5% accuracy on GSM8K with 7B parameters.", entities[0].entities, skipped
    )
    assert [(r.value, r.unit, r.score, r.metric) for r in found] == [(81.5, "%", 81.5, "accuracy")]
    assert skipped["size"] == 1


# ---------------------------------------------------------------------------------------------- metric data


def test_every_gazetteer_metric_has_a_direction_and_a_scale() -> None:
    know = knowledge()
    names = {
        json.loads(line)["name"]
        for line in (ROOT / "pipelines" / "gazetteer" / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    missing = sorted(name for name in names if name not in know.metrics)
    assert missing == []
    assert {know.metric(m).direction for m in ("FID", "perplexity", "WER", "latency")} == {"lower"}
    assert {know.metric(m).direction for m in ("accuracy", "F1", "BLEU", "win rate")} == {"higher"}
    assert know.metric("accuracy").score(0.826, None) == 82.6 == know.metric("accuracy").score(82.6, "%")
    assert know.metric("Pearson correlation").score(72, "%") == 0.72
    assert know.metric_name("F1-score") == "F1" and know.metric_name("MAP") == "MAP" and know.metric_name("map") is None
    assert know.benchmark_metric("MT-Bench") == "MT-Bench score" and know.benchmark_metric("HumanEval") == "pass@1"


# ---------------------------------------------------------------------------------------------- the gold


def test_gold_is_large_enough_split_by_id_hash_and_offsets_hold() -> None:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    papers = {p.id: p for p in kg.read(CORPUS)}
    scored = [r for row in rows for r in row["results"] if not r.get("unsure")]
    assert len(scored) >= 150
    for row in rows:
        assert row["split"] == (
            "heldout" if int(hashlib.blake2b(row["id"].encode(), digest_size=8).hexdigest(), 16) % 5 < 2 else "tuning"
        )
        paper = papers[row["id"]]
        for item in row["results"]:
            assert getattr(paper, item["field"])[item["start"] : item["end"]] == item["text"]
            assert item["kind"] in ("absolute", "gain", "rank") and item["benchmark"]


@pytest.fixture(scope="module")
def predictions() -> list[dict]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    papers = {p.id: p for p in kg.read(CORPUS)}
    return [e.to_json_dict() for e in kg.extract_entities([papers[row["id"]] for row in rows])]


def test_scores_on_the_gold(predictions: list[dict], tmp_path: Path) -> None:
    """The figures of docs/extraction.md ("Results"), as floors: a change that lowers them fails here."""
    from kg.evaluate.results import evaluate_results_files

    pred = tmp_path / "pred.jsonl"
    pred.write_text("".join(json.dumps(row) + "\n" for row in predictions), encoding="utf-8")
    tuning = evaluate_results_files(GOLD, pred, "tuning").to_dict()["scores"]
    heldout = evaluate_results_files(GOLD, pred, "heldout").to_dict()["scores"]
    assert tuning["value+benchmark"]["precision"] >= 0.97 and tuning["value+benchmark"]["recall"] >= 0.85
    assert tuning["full"]["precision"] >= 0.93
    assert heldout["value+benchmark"]["precision"] >= 0.90  # the target
    assert heldout["full"]["precision"] >= 0.85  # target: 0.80
    assert heldout["value+benchmark"]["recall"] >= 0.60  # target 0.75: not reached (docs/extraction.md says why)
    from kg.cli import app

    result = CliRunner().invoke(app, ["eval", "--results", str(GOLD), str(pred), "--split", "heldout", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scores"]["value+benchmark"]["gold"] == heldout["value+benchmark"]["gold"]
