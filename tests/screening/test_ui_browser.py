"""What a person sees in the MLflow UI, checked in headless Chromium (Debian's ``chromium``).

``electroscreen ui`` serves a store holding two training runs (the tiny default models, registered
with the alias ``champion``) and one screening run. Selenium drives Chromium to the experiment list,
the screening run (description, review metrics, params, the Pareto plot and the results artifact)
and the registered models page (aliases), asserts what is on each page and saves screenshots under
the test's tmp dir. Without Chromium the test is skipped and says how to enable it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mlflow import MlflowClient

from electroscreen.screening.runner import screen

ENABLE = (
    "the MLflow UI browser test needs Chromium and its driver: `apt-get install -y chromium "
    "chromium-driver` (Debian; .ci/run does this) and `pip install selenium` (in the dev extra)"
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None, reason=f"Chromium not found: {ENABLE}"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"electroscreen ui exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"no MLflow UI at {url} after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason=f"selenium missing: {ENABLE}")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1600,1100"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def ui_store(model_store, tmp_path_factory):
    """The model store plus one screening run, served by ``electroscreen ui`` on a free port."""
    folder = tmp_path_factory.mktemp("ui-browser")
    pool = folder / "pool.csv"
    formulas = ["Li7La3Zr2O12", "Li3PS4", "NaCl", "Li6PS5Cl", "LiPbCl3", "Li3YCl6", "LiXx2",
                "Li10GeP2S12", "Li3InCl6", "LiCoO2", "Li1.3Al0.3Ti1.7(PO4)3", "Li3N"]  # fmt: skip
    pool.write_text("id,formula\n" + "\n".join(f"ui{i:02d},{f}" for i, f in enumerate(formulas)))
    result = screen([pool], folder / "out", tracking_uri=model_store.uri, progress=False,
                    device="cpu")  # fmt: skip
    port = _free_port()
    log = folder / "ui.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "electroscreen.cli", "ui", "--tracking-uri", model_store.uri,
             "--port", str(port), "--workers", "1"],
            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url, model_store.uri, result
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


def _page(driver, url: str, expected: list[str], shot: Path, timeout: float = 60.0) -> str:
    """Open ``url``, wait until the page's text holds every ``expected`` string; screenshot."""
    driver.get(url)
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = driver.find_element("tag name", "body").text
        if all(e in text for e in expected):
            break
        time.sleep(0.5)
    driver.save_screenshot(str(shot))
    missing = [e for e in expected if e not in text]
    assert not missing, f"{url}: {missing} not on the page ({shot}):\n{text[:3000]}"
    return text


def _wait_text(driver, expected: list[str], shot: Path, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while not all(e in (text := driver.find_element("tag name", "body").text) for e in expected):
        if time.monotonic() > deadline:
            driver.save_screenshot(str(shot))
            raise AssertionError(f"{expected} not on the page ({shot}):\n{text[:3000]}")
        time.sleep(0.5)
    driver.save_screenshot(str(shot))
    return text


def _click(driver, text: str, timeout: float = 60.0) -> None:
    """Click the element whose own text is ``text`` (a folder or file of the artifact tree)."""
    from selenium.common.exceptions import WebDriverException

    deadline = time.monotonic() + timeout
    while True:
        try:
            driver.find_element("xpath", f"//*[normalize-space(text())='{text}']").click()
            return
        except WebDriverException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _loaded_images(driver) -> list[tuple[str, int, int]]:
    """``(src, width, height)`` of every image on the page that has loaded (natural size)."""
    script = (
        "return [...document.images].filter(i => i.naturalWidth > 0)"
        ".map(i => [i.src.slice(0, 60), i.naturalWidth, i.naturalHeight]);"
    )
    return [tuple(image) for image in driver.execute_script(script)]


def _plot_shown(driver) -> bool:
    """The artifact preview shows a fetched image (a ``blob:`` URL) of at least 400 x 300 px."""
    return any(
        src.startswith("blob:") and w >= 400 and h >= 300 for src, w, h in _loaded_images(driver)
    )


def test_the_ui_shows_experiments_screening_run_and_models(browser, ui_store, tmp_path):
    url, uri, result = ui_store
    run = MlflowClient(tracking_uri=uri).get_run(result.run_id)
    experiment = run.info.experiment_id
    metrics = run.data.metrics
    ml = "?workflowType=machine_learning"  # MLflow 3.17's "Model training" view

    # the experiment list: both experiments with their descriptions
    _page(browser, f"{url}/#/experiments",
          ["electroscreen-screening", "screening-test-train", "Screenings of", "Models of",
           "n_sigma_gt_1e-4_air_stable"], tmp_path / "1-experiments.png")  # fmt: skip
    # the screening experiment's runs
    _page(browser, f"{url}/#/experiments/{experiment}{ml}", [run.info.run_name],
          tmp_path / "2-runs.png")  # fmt: skip
    # the screening run: description (what it found), review metrics, params
    n_promising = int(metrics["n_sigma_gt_1e-4_air_stable"])
    text = _page(
        browser, f"{url}/#/experiments/{experiment}/runs/{result.run_id}{ml}",
        [f"Promising: {n_promising} with predicted σ at 25 °C above 1e-4 S/cm",
         "n_sigma_gt_1e-4_air_stable",
         "best_pred_log10_sigma", "pareto_front_size", "passed_charge_balance",
         "conductivity_model_uri", "models:/electroscreen-conductivity/1", "Finished"],
        tmp_path / "3-run.png",
    )  # fmt: skip
    best = result.results[result.results["rank"] == 1].iloc[0]
    browser.find_element("xpath", "//*[text()='Show more']").click()  # the whole description
    deadline = time.monotonic() + 30
    while best.candidate_id not in (text := browser.find_element("tag name", "body").text):
        assert time.monotonic() < deadline, f"best candidate not in the description:\n{text}"
        time.sleep(0.5)
    assert best.formula in text
    browser.save_screenshot(str(tmp_path / "3-run-description.png"))
    # the description's model link opens the registered version (the UI's own "Logged models"
    # panel looks in the run's experiment only, and the models are trained in another)
    link = browser.find_element(
        "xpath", "//a[contains(@href, '#/models/electroscreen-conductivity/versions/1')]"
    )
    run_tab = browser.current_window_handle
    link.click()  # the UI opens description links in a new tab
    deadline = time.monotonic() + 30
    while len(browser.window_handles) < 2:
        assert time.monotonic() < deadline, "the model link opened nothing"
        time.sleep(0.5)
    browser.switch_to.window(next(h for h in browser.window_handles if h != run_tab))
    _wait_text(browser, ["electroscreen-conductivity", "Version 1", "Source Run"],
               tmp_path / "3-model-version.png")  # fmt: skip
    browser.close()
    browser.switch_to.window(run_tab)
    # artifacts: the results tables and the Pareto plot, drawn
    _page(browser, f"{url}/#/experiments/{experiment}/runs/{result.run_id}/artifacts{ml}",
          ["results", "plots"], tmp_path / "4-artifacts.png")  # fmt: skip
    _click(browser, "results")
    _click(browser, "top.csv")
    _wait_text(browser, ["Previewing the first", "candidate_id", best.candidate_id, best.formula],
               tmp_path / "5-top-csv.png")  # fmt: skip
    _click(browser, "plots")
    _click(browser, "pareto.png")
    deadline = time.monotonic() + 60
    while not _plot_shown(browser):
        assert time.monotonic() < deadline, f"Pareto plot not drawn: {_loaded_images(browser)}"
        time.sleep(0.5)
    browser.save_screenshot(str(tmp_path / "6-pareto.png"))
    # registered models with their alias
    _page(browser, f"{url}/#/models",
          ["electroscreen-conductivity", "electroscreen-air-stability", "@ champion"],
          tmp_path / "7-models.png")  # fmt: skip
    assert len(list(tmp_path.glob("*.png"))) == 9
