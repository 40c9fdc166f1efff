// End-to-end test of the reader's experience: each chapter notebook opened in a real JupyterLab, run
// through the UI (Run → Run All Cells) with the real evcxr Rust kernel, in headless Chromium.
//
// Run it with `scripts/e2e.sh` (it sets up .venv, installs Chromium and playwright-core, starts
// JupyterLab on a free loopback port with a random token and stops it afterwards). Directly:
//   JUPYTER_URL=http://127.0.0.1:PORT JUPYTER_TOKEN=... node e2e/notebooks.e2e.mjs [NAME-PREFIX ...]
//
// For every notebook it waits until the kernel is idle and every code cell has an execution count,
// then asserts what a reader sees: no error output and nothing on stderr but the crate's own reports
// (`Skipping <path>: <reason>`, as scripts/run_notebooks.py), the `Found N images belonging
// to 20 classes.` lines (03-05), Keras-style progress lines (`Epoch 1/5`, `32/32 [====…] … loss: …
// accuracy: …`, 04-05), and a minimum number of rendered pictures (<img>/<svg> of non-zero size) in
// the outputs. In notebook 04 it then does what a reader does: edits `let learning_rate = 0.001;` to
// `0.01` in the cell editor, re-runs that cell alone (Shift+Enter) in the same kernel and asserts new
// progress lines at the new rate and a new chart, timing the re-run. Then two notebooks (01 and 02, or
// $E2E_TABS) are opened at once in two tabs, each with a kernel of its own, and run at the same time:
// both must finish clean (issue 12). `tabs` as a NAME-PREFIX runs that step alone. A screenshot of each notebook goes
// to $SCREENSHOTS (artifacts/screenshots/). The notebooks on disk are never saved (autosave off) and
// are checked unchanged at the end. Kernels are shut down after each notebook and the browser is
// closed in `finally`. Prints timings and ends with `e2e: N passed, M failed` (exit 1 on failure).
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const URL_BASE = process.env.JUPYTER_URL;
const TOKEN = process.env.JUPYTER_TOKEN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOTS || 'artifacts/screenshots';
const NOTEBOOKS_DIR = process.env.NOTEBOOKS_DIR || 'notebooks';
const JUPYTER_LOG = process.env.JUPYTER_LOG; // the server's log, to check that nothing was saved
const MINUTE = 60_000;
const PANEL = '.jp-NotebookPanel:not(.lm-mod-hidden)'; // the notebook on show
// The whole run must end within ~25 minutes even with a cold kernel (the first notebook compiles
// the crate): a bounded timeout for each notebook and a deadline for all of them.
const DEADLINE = Date.now() + Number(process.env.E2E_DEADLINE_MIN || 23) * MINUTE;
const FIRST_NOTEBOOK_TIMEOUT = 12 * MINUTE;
const NOTEBOOK_TIMEOUT = 8 * MINUTE;
const RERUN_TIMEOUT = 5 * MINUTE;
// The notebooks opened at once in two tabs (name prefixes): the two quickest.
const TABS = (process.env.E2E_TABS || '01,02').split(',');

if (!URL_BASE || !TOKEN) {
  console.error('JUPYTER_URL and JUPYTER_TOKEN must be set (scripts/e2e.sh sets them)');
  process.exit(2);
}

// What a reader must see in each notebook: at least `pictures` rendered <img>/<svg> in at least
// `pictureCells` cells (01: the sigmoid and softmax charts; 03: the photo and the 16-image grid; 04: the
// curves, learned weights, confusion matrix and mistakes; 05: the curves and comparisons; 06: the filter
// on a photo, the curves, the learned filters and feature maps), `found`
// "Found … images belonging to 20 classes." lines, and Keras-style progress lines where `progress`.
const FOUND = /Found \d+ images belonging to 20 classes\./g;
const EPOCH = /^Epoch 1\/\d+$/m;
// The crate's own reports on stderr (scripts/run_notebooks.py REPORTS): `Skipping <path>: <reason>`.
const REPORT = /^Skipping .+: .+$/;
const PROGRESS = /^\d+\/\d+ \[=+\] - \d+s \S+\/step - loss: \d+\.\d+ - accuracy: \d+\.\d+/gm;
const EXPECT = {
  '01': { pictures: 2, pictureCells: 2 },
  '02': { pictures: 0, pictureCells: 0 },
  '03': { pictures: 17, pictureCells: 2, found: 2 },
  '04': { pictures: 30, pictureCells: 5, found: 3, progress: true },
  '05': { pictures: 4, pictureCells: 3, found: 3, progress: true },
  // 06 trains the convnet four times for 16 epochs (10 minutes on 2 cores): scripts/run_notebooks.py
  // runs it headless with the real kernel; here it is opened and its committed outputs must render,
  // but it is not run again (`shownOnly`), so the test command stays within its time. Opened without
  // running, a notebook is not trusted: JupyterLab's sanitiser drops the SVG charts of its HTML
  // outputs, and the pictures left are the PNG ones (the filtered photo, the filters, the feature maps).
  '06': { pictures: 4, pictureCells: 3, found: 3, progress: true, shownOnly: true },
};

const results = [];
const timings = [];
const record = (name, ok, detail = '') => {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(method, path) {
  const res = await fetch(`${URL_BASE}${path}`, { method, headers: { Authorization: `token ${TOKEN}` } });
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  return res.status === 204 || method === 'DELETE' ? null : res.json();
}

// Shut down every kernel session, so the next notebook starts in a fresh kernel and nothing lingers.
async function shutdownKernels() {
  try {
    for (const s of await api('GET', '/api/sessions')) await api('DELETE', `/api/sessions/${s.id}`);
    for (const k of await api('GET', '/api/kernels')) await api('DELETE', `/api/kernels/${k.id}`);
  } catch (e) {
    console.log(`  (shutting down kernels: ${e.message})`);
  }
}

// The state of the open notebook, as the page shows it.
async function notebookState(page) {
  return page.evaluate((panelSel) => {
    const panel = document.querySelector(panelSel);
    if (!panel) return null;
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map((p) => p.textContent.trim());
    const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    return { prompts, kernel: indicator ? indicator.getAttribute('data-status') : null };
  }, PANEL);
}

// Everything a reader can see in the outputs: text, stderr/error outputs, pictures.
// `only`: the index of one cell among the notebook's cells (all code cells when not given).
async function outputs(page, only = null) {
  return page.evaluate(([panelSel, only, reportSource]) => {
    const report = new RegExp(reportSource);
    const all = [...document.querySelectorAll(`${panelSel} .jp-Cell`)];
    const cells = only === null ? all.filter((c) => c.classList.contains('jp-CodeCell')) : [all[only]];
    const out = { text: '', errors: [], reports: [], pictures: 0, pictureCells: 0, signatures: [] };
    for (const cell of cells) {
      const area = cell.querySelector('.jp-OutputArea');
      if (!area) continue;
      out.text += area.innerText + '\n';
      for (const e of area.querySelectorAll(
        '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error, [data-mime-type="application/vnd.jupyter.error"]',
      )) {
        let text = e.innerText.trim();
        // The crate's own reports on stderr are expected output, not errors (as in run_notebooks.py).
        if (e.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr') {
          const lines = text.split('\n').filter((l) => l.trim());
          out.reports.push(...lines.filter((l) => report.test(l)));
          text = lines.filter((l) => !report.test(l)).join('\n');
          if (!text) continue;
        }
        out.errors.push(text.slice(0, 1500));
      }
      let here = 0;
      for (const el of area.querySelectorAll('.jp-OutputArea-output img, .jp-OutputArea-output svg')) {
        if (el.tagName.toLowerCase() === 'svg' && el.parentElement.closest('svg')) continue; // nested
        const r = el.getBoundingClientRect();
        const loaded = el.tagName.toLowerCase() !== 'img' || (el.complete && el.naturalWidth > 0);
        if (r.width >= 16 && r.height >= 16 && loaded) {
          here += 1;
          const src = el.tagName.toLowerCase() === 'img' ? el.getAttribute('src') || '' : el.outerHTML;
          out.signatures.push(src.length + ':' + src.slice(-200));
        }
      }
      out.pictures += here;
      if (here) out.pictureCells += 1;
    }
    return out;
  }, [PANEL, only, REPORT.source]);
}

// Waits until the kernel has gone idle with no cell running or queued; `done(state)` adds a condition.
async function waitIdle(page, timeoutMs, done = () => true, label = '') {
  const until = Math.min(Date.now() + timeoutMs, DEADLINE);
  let quiet = 0;
  let last = '';
  while (Date.now() < until) {
    const s = await notebookState(page);
    const busy = !s || s.kernel !== 'idle' || s.prompts.some((p) => p.includes('*'));
    quiet = busy || !done(s) ? 0 : quiet + 1;
    if (quiet >= 2) return s; // idle twice in a row, two seconds apart
    const now = s ? `${s.kernel} ${s.prompts.filter((p) => /\[\d+\]/.test(p)).length}/${s.prompts.length} run` : 'no panel';
    if (now !== last && label) console.log(`  ${label}: ${now}`);
    last = now;
    await sleep(2000);
  }
  throw new Error(`timed out after ${secs(timeoutMs)} waiting for the kernel to finish (${last})`);
}

async function openNotebook(context, file, workspace) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`  (page error: ${e.message.split('\n')[0]})`));
  await page.goto(`${URL_BASE}/lab/workspaces/${workspace}/tree/${encodeURIComponent(file)}?token=${TOKEN}`);
  await page.locator('.jp-NotebookPanel .jp-Cell').first().waitFor({ timeout: 3 * MINUTE });
  // If JupyterLab asks for a kernel (it does not when the notebook names one it has), pick Rust.
  const dialog = page.locator('.jp-Dialog');
  if (await dialog.waitFor({ timeout: 3000 }).then(() => true, () => false)) {
    const select = dialog.locator('select');
    if (await select.count()) await select.selectOption({ label: 'Rust' }).catch(() => {});
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
  }
  // Collapse the left sidebar (the file browser), so the notebook gets the width.
  const fileTab = page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current');
  if (await fileTab.count()) await fileTab.first().click();
  // Wait for the Rust kernel to be started and idle before running anything.
  await waitIdle(page, 3 * MINUTE);
  const kernelName = await page.locator('.jp-NotebookPanel .jp-KernelName, .jp-Toolbar-kernelName').first().innerText().catch(() => '?');
  if (!/rust/i.test(kernelName)) throw new Error(`the notebook's kernel is "${kernelName}", not Rust`);
  return page;
}

async function runAllCells(page) {
  await page.locator('.lm-MenuBar-item', { hasText: /^Run$/ }).click();
  await page
    .locator('.lm-Menu .lm-Menu-item', { has: page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }) })
    .click();
}

async function screenshot(page, file, scrollToLastPicture = true) {
  mkdirSync(SHOTS, { recursive: true });
  if (scrollToLastPicture) {
    await page.evaluate((panelSel) => {
      const pics = [...document.querySelectorAll(`${panelSel} .jp-OutputArea-output :is(img, svg)`)];
      pics[pics.length - 1]?.scrollIntoView({ block: 'center' });
    }, PANEL);
    await sleep(500);
  }
  await page.mouse.move(0, 0); // no hover highlight on an output
  const path = join(SHOTS, file);
  await page.screenshot({ path });
  return path;
}

// Notebook 04: edit the learning rate in the browser editor, re-run that cell alone, in the same kernel.
async function learningRateRerun(page) {
  const found = page.locator(`${PANEL} .jp-CodeCell`, { hasText: 'let learning_rate = 0.001;' });
  if ((await found.count()) !== 1) throw new Error(`expected one cell with "let learning_rate = 0.001;", found ${await found.count()}`);
  // From here on the cell is found by its position: its text is about to change.
  const index = await found.evaluate((el, panelSel) => [...document.querySelectorAll(`${panelSel} .jp-Cell`)].indexOf(el), PANEL);
  const cell = page.locator(`${PANEL} .jp-Cell`).nth(index);
  const before = await outputs(page, index);
  const promptBefore = (await cell.locator('.jp-InputArea-prompt').innerText()).trim();

  // Click into the line, go to its start, move to just past `0.001`, delete it and type `0.01`.
  const line = cell.locator('.cm-line', { hasText: 'let learning_rate = 0.001;' });
  await line.scrollIntoViewIfNeeded();
  await line.click();
  const text = await line.innerText();
  const at = text.indexOf('0.001') + '0.001'.length;
  await page.keyboard.press('Home');
  for (let i = 0; i < at; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 5; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type('0.01');
  const edited = await cell.locator('.cm-content').innerText();
  if (!edited.includes('let learning_rate = 0.01;')) throw new Error(`the edit did not take: ${edited.split('\n')[0]}`);

  const codeIndex = await page.evaluate(
    ([panelSel, i]) => [...document.querySelectorAll(`${panelSel} .jp-Cell`)].slice(0, i).filter((c) => c.classList.contains('jp-CodeCell')).length,
    [PANEL, index],
  );
  const start = Date.now();
  await page.keyboard.press('Shift+Enter');
  const rerun = (s) => /\[\d+\]/.test(s.prompts[codeIndex]) && s.prompts[codeIndex] !== promptBefore;
  await waitIdle(page, RERUN_TIMEOUT, rerun, 'learning-rate cell');
  // The cell's own prompt must show a new execution count.
  const promptAfter = (await cell.locator('.jp-InputArea-prompt').innerText()).trim();
  const elapsed = Date.now() - start;
  const after = await outputs(page, index);
  const problems = [];
  if (!/\[\d+\]/.test(promptAfter) || promptAfter === promptBefore) problems.push(`prompt ${promptBefore} → ${promptAfter}`);
  if (after.errors.length) problems.push(`error output: ${after.errors.join(' | ')}`);
  if (!/^learning rate 0\.01$/m.test(after.text)) problems.push('no "learning rate 0.01" line');
  if (/^learning rate 0\.001$/m.test(after.text)) problems.push('the old "learning rate 0.001" output is still there');
  if (!EPOCH.test(after.text) || !(after.text.match(PROGRESS) || []).length) problems.push('no new progress lines');
  if (after.pictures < 1) problems.push('no chart');
  else if (after.signatures.join() === before.signatures.join()) problems.push('the chart did not change');
  return { elapsed, problems, promptBefore, promptAfter };
}

// Two notebooks open at once, in two tabs, each with its own kernel, run at the same time (issue 12:
// kernels sharing a build folder overwrote each other's cells). Both must come out clean and complete.
async function twoTabs(context, files) {
  console.log(`running ${files.join(' and ')} at once, in two tabs ...`);
  const start = Date.now();
  let pages = [];
  try {
    // Opened together: both kernels start at once (the second gets a build folder of its own).
    const opened = await Promise.allSettled(files.map((f, i) => openNotebook(context, f, `e2e-tabs-${i + 1}`)));
    pages = opened.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    const failedOpen = opened.find((o) => o.status === 'rejected');
    if (failedOpen) throw failedOpen.reason;
    const kernels = new Set((await api('GET', '/api/sessions')).map((x) => x.kernel && x.kernel.id));
    if (kernels.size < files.length) throw new Error(`${kernels.size} kernels for ${files.length} tabs`);
    for (const page of pages) await runAllCells(page); // the second starts while the first runs
    const states = await Promise.all(pages.map((page, i) => waitIdle(page, NOTEBOOK_TIMEOUT,
      (st) => st.prompts.every((p) => !p.includes('*')), `tab ${i + 1} ${files[i]}`)));
    const elapsed = Date.now() - start;
    timings.push([`two tabs at once (${files.map((f) => f.slice(0, 2)).join(' + ')})`, elapsed]);
    for (const [i, page] of pages.entries()) {
      const file = files[i];
      const expect = EXPECT[file.slice(0, 2)] || { pictures: 0, pictureCells: 0 };
      const out = await outputs(page);
      const shot = await screenshot(page, `tabs-${file.replace(/\.ipynb$/, '.png')}`);
      const problems = [];
      const unrun = states[i].prompts.filter((p) => !/\[\d+\]/.test(p)).length;
      if (unrun) problems.push(`${unrun} of ${states[i].prompts.length} code cells have no execution count`);
      if (out.errors.length) problems.push(...out.errors.map((e) => `error output: ${e}`));
      if (out.pictures < expect.pictures || out.pictureCells < expect.pictureCells) {
        problems.push(`${out.pictures} rendered pictures in ${out.pictureCells} cells, want at least ${expect.pictures} in ${expect.pictureCells}`);
      }
      const detail = `${secs(elapsed)} for both, ${states[i].prompts.length} code cells, ${out.pictures} pictures, screenshot ${shot}`;
      record(`tab ${i + 1} of 2: ${file}`, !problems.length, problems.length ? `${detail}\n    ${problems.join('\n    ')}` : detail);
    }
  } catch (e) {
    timings.push(['two tabs at once', Date.now() - start]);
    for (const [i, page] of pages.entries()) await screenshot(page, `tabs-${i + 1}-failed.png`).catch(() => {});
    record(`two tabs at once (${files.join(', ')})`, false, e.message.split('\n')[0]);
  } finally {
    for (const page of pages) await page.close({ runBeforeUnload: false }).catch(() => {});
    await shutdownKernels();
  }
}

async function main() {
  const filters = process.argv.slice(2);
  const files = readdirSync(NOTEBOOKS_DIR)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .filter((f) => !filters.length || filters.some((p) => f.startsWith(p)))
    .sort();
  if (!files.length && !filters.includes('tabs')) {
    record('notebooks found', false, `no notebook in ${NOTEBOOKS_DIR} matches ${filters.join(' ')}`);
    return;
  }
  const userDataDir = mkdtempSync(join(process.env.E2E_TMP || tmpdir(), 'chromium-profile-')); // a fresh profile
  const t0 = Date.now();
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic'],
      viewport: { width: 1280, height: 900 },
    });
    for (const [i, file] of files.entries()) {
      const key = file.slice(0, 2);
      const expect = EXPECT[key] || { pictures: 0, pictureCells: 0 };
      const timeout = i === 0 ? FIRST_NOTEBOOK_TIMEOUT : NOTEBOOK_TIMEOUT;
      if (Date.now() > DEADLINE) {
        record(file, false, 'not run: the e2e deadline has passed');
        continue;
      }
      console.log(`running ${file} in JupyterLab ...`);
      const start = Date.now();
      let page;
      try {
        page = await openNotebook(context, file, `e2e-${key}`);
        if (!expect.shownOnly) await runAllCells(page);
        const state = await waitIdle(page, timeout, (s) => s.prompts.every((p) => !p.includes('*')), file);
        const elapsed = Date.now() - start;
        timings.push([file, elapsed]);
        const out = await outputs(page);
        const shot = await screenshot(page, file.replace(/\.ipynb$/, '.png'));
        const problems = [];
        const unrun = state.prompts.filter((p) => !/\[\d+\]/.test(p)).length;
        if (unrun) problems.push(`${unrun} of ${state.prompts.length} code cells have no execution count`);
        if (out.errors.length) problems.push(...out.errors.map((e) => `error output: ${e}`));
        const found = (out.text.match(FOUND) || []).length;
        if (expect.found && found < expect.found) problems.push(`${found} "Found … images belonging to 20 classes." lines, want ${expect.found}`);
        const progress = (out.text.match(PROGRESS) || []).length;
        if (expect.progress && (!EPOCH.test(out.text) || !progress)) problems.push('no "Epoch 1/N" and "N/N [====…] … loss: … accuracy: …" progress lines');
        if (out.pictures < expect.pictures || out.pictureCells < expect.pictureCells) {
          problems.push(`${out.pictures} rendered pictures in ${out.pictureCells} cells, want at least ${expect.pictures} in ${expect.pictureCells}`);
        }
        const detail = (expect.shownOnly ? 'shown with its committed outputs, not run: ' : '') +
          `${secs(elapsed)}, ${state.prompts.length} code cells, ${out.pictures} pictures in ${out.pictureCells} cells` +
          (found ? `, ${found} "Found" lines` : '') + (progress ? `, ${progress} progress lines` : '') + `, screenshot ${shot}`;
        record(file, !problems.length, problems.length ? `${detail}\n    ${problems.join('\n    ')}` : detail);

        if (key === '04') {
          console.log('editing the learning rate to 0.01 and re-running that cell ...');
          try {
            const r = await learningRateRerun(page);
            timings.push(['learning-rate re-run (0.001 → 0.01, Shift+Enter)', r.elapsed]);
            // The edited cell from its top: the code, `learning rate 0.01`, the progress lines, the chart.
            await page.setViewportSize({ width: 1280, height: 1120 });
            await page.locator(`${PANEL} .jp-CodeCell`, { hasText: 'let learning_rate = 0.01;' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
            await screenshot(page, '04-learning-rate-0.01.png', false);
            await page.setViewportSize({ width: 1280, height: 900 });
            record('04 learning-rate edit and re-run', !r.problems.length,
              `${secs(r.elapsed)}, prompt ${r.promptBefore} → ${r.promptAfter}` + (r.problems.length ? `\n    ${r.problems.join('\n    ')}` : ''));
          } catch (e) {
            await screenshot(page, '04-learning-rate-failed.png', false).catch(() => {});
            record('04 learning-rate edit and re-run', false, e.message);
          }
        }
      } catch (e) {
        timings.push([file, Date.now() - start]);
        if (page) await screenshot(page, file.replace(/\.ipynb$/, '-failed.png')).catch(() => {});
        record(file, false, e.message.split('\n')[0]);
      } finally {
        if (page) await page.close({ runBeforeUnload: false }).catch(() => {});
        await shutdownKernels();
      }
    }
    // Two notebooks at once (after the others: their kernels' build folders are warm by then).
    const tabs = TABS.map((p) => readdirSync(NOTEBOOKS_DIR).filter((f) => f.startsWith(p) && f.endsWith('.ipynb')).sort()[0]);
    if (!filters.length || filters.includes('tabs')) {
      if (tabs.some((f) => !f)) record('two tabs at once', false, `no notebook for each of ${TABS.join(', ')}`);
      else if (Date.now() > DEADLINE) record('two tabs at once', false, 'not run: the e2e deadline has passed');
      else await twoTabs(context, tabs);
    }
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  // Nothing may have tried to write the notebooks (autosave is off; scripts/e2e.sh makes the server
  // refuse and log any save). Not the files' hashes: others may be editing the notebooks meanwhile.
  if (JUPYTER_LOG) {
    const saves = readFileSync(JUPYTER_LOG, 'utf8').split('\n').filter((l) => l.includes('e2e: refused to save'));
    record('no notebook saved by the browser run', !saves.length, saves.join('; '));
  }
  timings.unshift(['whole run', Date.now() - t0]);
}

try {
  await main();
} catch (e) {
  record('e2e harness', false, e.stack || e.message);
} finally {
  await shutdownKernels();
}
console.log('timings:');
for (const [name, ms] of timings) console.log(`  ${name.padEnd(52)} ${secs(ms).padStart(8)}`);
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
