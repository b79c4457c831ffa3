"""Page cleaning measured on real pages: ../shared/corpus/html/trafilatura-eval-en (132 news and blog
pages; each lists text that must appear and text that must not, comments included)."""

import json

from feeds.clean import PageRejected, clean_page


def test_cleaning_keeps_the_main_text_and_drops_boilerplate_and_comments_on_real_pages(shared_dir):
    folder = shared_dir / "corpus" / "html" / "trafilatura-eval-en"
    cases = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    found = missed = leaked = kept_out = 0
    for url, case in cases.items():
        try:
            text = clean_page((folder / case["file"]).read_bytes(), url, "text/html").text
        except PageRejected:
            text = ""
        found += sum(snippet in text for snippet in case["with"])
        missed += sum(snippet not in text for snippet in case["with"])
        unwanted = case["without"] + case.get("comments", [])
        leaked += sum(snippet in text for snippet in unwanted)
        kept_out += sum(snippet not in text for snippet in unwanted)
    precision, recall = found / (found + leaked), found / (found + missed)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f} over {len(cases)} pages")
    # Measured when the options were chosen: precision 0.905, recall 0.957, F1 0.930.
    assert len(cases) >= 100
    assert f1 >= 0.92 and precision >= 0.89 and recall >= 0.94
