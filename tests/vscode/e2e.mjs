// End to end in a real VS Code: code-server + Debian's Chromium, driven by
// playwright-core. Started by tests/vscode/run.py, which installs the tools
// (setup.sh), builds the .vsix and passes their paths in the environment.
//
// Every step leaves a screenshot in OUT_DIR (NN-step.png); after the first
// failure the remaining steps are skipped. The last line is
// "N passed, N failed, N skipped"; the exit code is 1 when anything failed.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const env = (name) => process.env[name] || fail(`${name} is not set (run tests/vscode/run.py)`);
function fail(message) {
    console.error(`e2e: ${message}`);
    process.exit(2);
}

const CODE_SERVER = env('CODE_SERVER_BIN');
const NODE24_BIN = env('NODE24_BIN');
const CHROMIUM = env('CHROMIUM');
const VSIX = env('VSIX');
const PYTHON = env('SCION_PYTHON');
const SCION_CLI = env('SCION_CLI');
const OUT_DIR = env('OUT_DIR');
const { chromium } = createRequire(import.meta.url)(env('PLAYWRIGHT_CORE'));

const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUN = path.join(OUT_DIR, 'run');
const WORKSPACE = path.join(RUN, 'workspace');
const USER_DATA = path.join(RUN, 'user-data');
const EXTENSIONS = path.join(RUN, 'extensions');
const SERVER_START_MS = 90_000;
const STEP_MS = 30_000;
const HIJACK_MARKER = path.join(RUN, 'hijacked.txt');

// ---------------------------------------------------------------- the run folder

// One line (flow style), so that typing it into the editor gets no auto-indentation.
const NOTE_MANIFEST = '{title: E2E note, mode: file, where: [empty_file, module], languages: [python], questions: {topic: {type: str, default: notes}}}\n';

function prepareRunFolder() {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    for (const entry of fs.readdirSync(OUT_DIR)) {
        if (entry.endsWith('.png')) fs.rmSync(path.join(OUT_DIR, entry));
    }
    fs.rmSync(RUN, { recursive: true, force: true });
    for (const dir of ['workspace', 'user-data/User', 'extensions', 'xdg-config', 'xdg-data', 'xdg-cache', 'tmp', 'xdg-runtime']) {
        fs.mkdirSync(path.join(RUN, dir), { recursive: true });
    }
    fs.chmodSync(path.join(RUN, 'xdg-runtime'), 0o700);
    const settings = {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'extensions.ignoreRecommendations': true,
        'chat.disableAIFeatures': true,
        'git.enabled': false,
        'update.mode': 'none',
        'window.restoreWindows': 'none',
        'editor.minimap.enabled': false,
        // Text typed by the test stays as typed.
        'editor.autoClosingBrackets': 'never',
        'editor.autoClosingQuotes': 'never',
        'editor.autoIndent': 'none',
        'editor.autoSurround': 'never',
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'scion.server.pythonPath': PYTHON,
        'scion.log.level': 'debug',
        // Moved to the secret storage at activation; the trace shows it reaching the server.
        'scion.llm.apiKey': 'sk-e2e-from-settings',
        'scion.trace.server': 'verbose',
    };
    fs.writeFileSync(path.join(USER_DATA, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    fs.writeFileSync(path.join(RUN, 'config.yaml'), 'auth: none\ncert: false\n');
    // A workspace marker, so the CLI and the server agree on the workspace root.
    fs.mkdirSync(path.join(WORKSPACE, '.scion'));
    fs.writeFileSync(path.join(WORKSPACE, 'orders.py'), '');
    fs.writeFileSync(path.join(WORKSPACE, 'shipping_note.py'), '');
    fs.writeFileSync(path.join(WORKSPACE, 'cart_line.py'), '');
    const note = path.join(WORKSPACE, '.scion', 'templates', 'e2e', 'note', '1.0.0');
    fs.mkdirSync(path.join(note, 'files'), { recursive: true });
    fs.writeFileSync(path.join(note, 'template.yml'), NOTE_MANIFEST);
    fs.writeFileSync(path.join(note, 'files', '{{ topic }}.py.jinja'), '"""{{ topic }}"""\n');
    // The project's own server package (most web services have one): opening the
    // folder must never run it, in the import check or in the server's start.
    const hostile = `open(${JSON.stringify(HIJACK_MARKER)}, 'a').write(__file__ + '\\n')\nraise SystemExit(3)\n`;
    fs.mkdirSync(path.join(WORKSPACE, 'server'));
    for (const file of ['server.py', 'server/__init__.py', 'server/__main__.py', 'server/lsp.py']) {
        fs.writeFileSync(path.join(WORKSPACE, file), hostile);
    }
}

/** Runs `scion generate python/dataclass --version 1.0.0` into `file`; returns the generated text. */
function generateOldDataclass(file, className) {
    const result = spawnSync(
        SCION_CLI,
        [
            'generate', 'python/dataclass', '--version', '1.0.0', '--path', file, '--workspace', WORKSPACE,
            '--defaults', '-a', `class_name=${className}`, '-a', 'fields=id: int, total: float',
        ],
        { encoding: 'utf8', cwd: WORKSPACE },
    );
    if (result.status !== 0) {
        throw new Error(`scion generate failed (${result.status}): ${result.stderr || result.stdout}`);
    }
    const generated = fs.readFileSync(file, 'utf8');
    if (!generated.includes(`class ${className}`)) {
        throw new Error(`unexpected ${file}:\n${generated}`);
    }
    return generated;
}

/**
 * Two files from python/dataclass 1.0.0: legacy.py, edited by its "user"
 * (upgraded by the quick-fix), and models/archive.py (upgraded by Upgrade All).
 */
function prepareOldFiles() {
    const legacy = path.join(WORKSPACE, 'legacy.py');
    const generated = generateOldDataclass(legacy, 'Invoice');
    fs.mkdirSync(path.join(WORKSPACE, 'models'));
    generateOldDataclass(path.join(WORKSPACE, 'models', 'archive.py'), 'Archive');
    // The user's own addition, which the upgrade must keep.
    const edited = generated.replace(/\n*$/, '\n\n    def with_tax(self) -> float:\n        return self.total * 1.2\n');
    fs.writeFileSync(legacy, edited);
}

// ---------------------------------------------------------------- code-server

function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

function codeServerEnv() {
    return {
        ...process.env,
        PATH: `${NODE24_BIN}:${process.env.PATH}`,
        XDG_CONFIG_HOME: path.join(RUN, 'xdg-config'),
        XDG_DATA_HOME: path.join(RUN, 'xdg-data'),
        XDG_CACHE_HOME: path.join(RUN, 'xdg-cache'),
        XDG_RUNTIME_DIR: path.join(RUN, 'xdg-runtime'),
        TMPDIR: path.join(RUN, 'tmp'),
    };
}

function installExtension() {
    const result = spawnSync(
        CODE_SERVER,
        ['--install-extension', VSIX, '--extensions-dir', EXTENSIONS, '--user-data-dir', USER_DATA, '--config', path.join(RUN, 'config.yaml')],
        { encoding: 'utf8', env: codeServerEnv() },
    );
    if (result.status !== 0 || !/successfully installed/i.test(result.stdout + result.stderr)) {
        throw new Error(`--install-extension failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
}

let codeServer;

async function startCodeServer() {
    const port = await freePort();
    const log = fs.openSync(path.join(RUN, 'code-server.log'), 'w');
    codeServer = spawn(
        CODE_SERVER,
        [
            '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
            '--disable-workspace-trust', '--config', path.join(RUN, 'config.yaml'), '--user-data-dir', USER_DATA,
            '--extensions-dir', EXTENSIONS,
        ],
        { detached: true, stdio: ['ignore', log, log], env: codeServerEnv() },
    );
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
        if (codeServer.exitCode !== null) throw new Error(`code-server exited with ${codeServer.exitCode}; see ${RUN}/code-server.log`);
        try {
            const response = await fetch(`${url}/healthz`);
            if (response.ok) return url;
        } catch {
            // not listening yet
        }
        await sleep(200);
    }
    throw new Error('code-server did not answer /healthz within 60 s');
}

/** Ends code-server's whole process group (extension hosts and the Python server with it). */
async function stopCodeServer() {
    if (!codeServer || codeServer.exitCode !== null) return;
    const group = -codeServer.pid;
    try {
        process.kill(group, 'SIGTERM');
    } catch {
        return;
    }
    for (let i = 0; i < 50; i++) {
        await sleep(100);
        try {
            process.kill(group, 0);
        } catch {
            return;
        }
    }
    try {
        process.kill(group, 'SIGKILL');
    } catch {
        // already gone
    }
}

// ---------------------------------------------------------------- steps

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const results = [];
let page;
let shotCount = 0;

async function screenshot(name) {
    if (!page) return;
    shotCount += 1;
    const file = path.join(OUT_DIR, `${String(shotCount).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
    await page.screenshot({ path: file }).catch((error) => console.log(`     (no screenshot: ${error.message})`));
}

async function step(name, run) {
    if (results.some((r) => r.status === 'failed')) {
        results.push({ name, status: 'skipped' });
        console.log(`skip ${name}`);
        return;
    }
    const started = Date.now();
    try {
        await run();
        results.push({ name, status: 'passed' });
        console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
        results.push({ name, status: 'failed' });
        console.log(`FAIL ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${error.stack || error}`);
    }
    await screenshot(name);
}

/** Polls `check` until it returns a truthy value; the last error explains a time-out. */
async function until(description, check, timeout = STEP_MS) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
        try {
            const value = await check();
            if (value) return value;
        } catch (error) {
            last = error;
        }
        await sleep(100);
    }
    throw new Error(`timed out waiting for ${description}${last ? `: ${last.message}` : ''}`);
}

/** The text of the visible editor lines (Monaco renders spaces as U+00A0). */
async function editorText() {
    const lines = await page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line').allTextContents();
    return lines.join('\n').replace(/\u00a0/g, ' ');
}

async function openFile(name) {
    await page.getByRole('treeitem', { name, exact: true }).click();
    await page.locator(`.tab.active[aria-label^="${name}"]`).waitFor({ timeout: STEP_MS });
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').click();
}

/** Presses Ctrl+. until an action whose text matches shows (the server may still be starting), then runs it. */
async function runCodeAction(pattern, name) {
    const row = page.locator('.action-widget .monaco-list-row').filter({ hasText: pattern });
    await until(`a code action matching ${pattern}`, async () => {
        await page.keyboard.press('Control+.');
        try {
            await row.first().waitFor({ state: 'visible', timeout: 2000 });
            return true;
        } catch {
            await page.keyboard.press('Escape');
            return false;
        }
    });
    await screenshot(`code actions ${name}`);
    await row.first().click();
}

const quickInput = () => page.locator('.quick-input-widget');

/** What the open quick input asks: its title (with the step), the prompt, the text and whether it is a list. */
async function currentQuestion() {
    const widget = quickInput();
    const title = (await widget.locator('.quick-input-title').textContent()) ?? '';
    const input = widget.locator('.quick-input-box input');
    const placeholder = (await input.getAttribute('placeholder')) ?? '';
    const value = await input.inputValue();
    const message = (await widget.locator('.quick-input-message').textContent().catch(() => '')) ?? '';
    const isList = (await widget.locator('.quick-input-list .monaco-list-row').count()) > 0;
    return { title, prompt: `${placeholder} ${message}`.trim(), value, isList, key: JSON.stringify([title, placeholder, message, isList]) };
}

/** The next question once the widget has settled (the same state twice in a row), or done when it closed. */
async function waitForNextQuestion(previousKey) {
    let candidate;
    return until('the next question (or the end of the questions)', async () => {
        if (!(await quickInput().isVisible())) return { done: true };
        const question = await currentQuestion();
        if (question.key === previousKey) return undefined;
        const settled = candidate && JSON.stringify(candidate) === JSON.stringify(question);
        candidate = question;
        return settled ? question : undefined;
    });
}

async function replaceInput(text) {
    const input = quickInput().locator('.quick-input-box input');
    await input.fill(text);
}

/** Answers the dataclass questions as a user would; checks Back keeps an earlier answer. */
async function answerDataclassQuestions() {
    await quickInput().waitFor({ state: 'visible', timeout: STEP_MS });
    let question = await currentQuestion();
    const seen = [];
    let wentBack = false;
    for (let guard = 0; guard < 20 && !question.done; guard++) {
        seen.push(question.prompt);
        let shotName = `question ${seen.length}`;
        if (/name of the class/i.test(question.prompt)) {
            const value = question.value;
            if (value !== 'Orders') throw new Error(`class_name pre-filled with ${JSON.stringify(value)}, expected "Orders"`);
            await replaceInput('Order');
            shotName = 'question class name';
        } else if (/^Fields as/.test(question.prompt)) {
            const value = question.value;
            if (wentBack) {
                if (value !== 'id: int, customer: str, total: float = 0.0') throw new Error(`Back lost the fields answer: ${value}`);
            } else {
                await replaceInput('id: int, customer: str, total: float = 0.0');
            }
            shotName = 'question fields';
        } else if (/immutable/i.test(question.prompt)) {
            if (!wentBack) {
                wentBack = true;
                await screenshot('question frozen before back');
                await quickInput().locator('.quick-input-left-action-bar .action-label').first().click();
                await page.mouse.move(700, 600); // away from the Back tooltip
                question = await waitForNextQuestion(question.key);
                continue;
            }
            await quickInput().locator('.quick-input-list .monaco-list-row').filter({ hasText: /^Yes/ }).first().click();
            await screenshot('question frozen yes');
            question = await waitForNextQuestion(question.key);
            continue;
        }
        await screenshot(shotName);
        await page.keyboard.press('Enter');
        question = await waitForNextQuestion(question.key);
    }
    if (!question.done) throw new Error('still asking after 20 questions');
    if (!wentBack) throw new Error(`never asked "frozen"; asked: ${seen.join(' / ')}`);
    return seen;
}

/** Takes every pre-filled answer with Enter until the questions end; returns the keystrokes it took. */
async function acceptDefaults() {
    await quickInput().waitFor({ state: 'visible', timeout: STEP_MS });
    let question = await waitForNextQuestion(undefined);
    let keystrokes = 0;
    for (let guard = 0; guard < 20 && !question.done; guard++) {
        await page.keyboard.press('Enter');
        keystrokes += 1;
        question = await waitForNextQuestion(question.key);
    }
    if (!question.done) throw new Error('still asking after 20 questions');
    return keystrokes;
}

/** Runs a command from the palette (F1) by its title. */
async function runFromPalette(title) {
    await page.keyboard.press('F1');
    await quickInput().waitFor({ state: 'visible', timeout: STEP_MS });
    await page.keyboard.type(title);
    const row = quickInput().locator('.quick-input-list .monaco-list-row').filter({ hasText: title });
    await row.first().waitFor({ timeout: STEP_MS });
    await screenshot(`palette ${title}`);
    await page.keyboard.press('Enter');
}

/**
 * Edits the user settings the way a user can without racing the Settings editor's
 * debounced writes: opens settings.json in the editor, replaces its text with
 * `change(current)` (one line: nothing for auto-indent or auto-closing to add) and
 * saves. Resolves once the file on disk holds the new settings.
 */
async function editUserSettings(change) {
    const file = path.join(USER_DATA, 'User', 'settings.json');
    const wanted = change(JSON.parse(fs.readFileSync(file, 'utf8')));
    await runFromPalette('Preferences: Open User Settings (JSON)');
    // Found by its model (data-uri): VS Code opens settings.json in a tab or in a modal editor.
    const editor = page.locator('.monaco-editor[data-uri$="/User/settings.json"]').first();
    await editor.locator('.view-lines').click({ timeout: STEP_MS });
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify(wanted));
    // Whatever auto-closing added after the cursor goes.
    await page.keyboard.press('Shift+Control+End');
    await page.keyboard.press('Delete');
    const shown = async () => (await editor.locator('.view-lines .view-line').allTextContents()).join('').replace(/\u00a0/g, ' ');
    await until('the new settings in the editor', async () => (await shown()) === JSON.stringify(wanted));
    await page.keyboard.press('Control+S');
    await screenshot('settings.json');
    await until('the new settings in settings.json on disk', async () =>
        JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8'))) === JSON.stringify(wanted));
    // Escape closes the modal editor (the palette does not open over it).
    await until('settings.json to close', async () => {
        await page.keyboard.press('Escape');
        return (await editor.count()) === 0;
    });
}

/** How often `pattern` occurs in the extension's log (the Scion output channel, as written to disk). */
function countInLog(pattern) {
    const logs = path.join(USER_DATA, 'logs');
    let count = 0;
    for (const session of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
        const file = path.join(logs, session, 'exthost1', 'scion.scion', 'Scion.log');
        if (fs.existsSync(file)) count += (fs.readFileSync(file, 'utf8').match(pattern) ?? []).length;
    }
    return count;
}

/** The number after the arrow in the Scion status bar item; 0 when there is none. */
async function upgradeCount() {
    const item = page.locator('.statusbar-item').filter({ hasText: 'Scion' }).first();
    if ((await item.locator('.codicon-arrow-up').count()) === 0) return 0;
    const match = /(\d+)\s*$/.exec(((await item.textContent()) ?? '').trim());
    return match ? Number(match[1]) : NaN;
}

function notification(pattern) {
    return page.locator('.notification-list-item-message').filter({ hasText: pattern });
}

/** Waits until `read()` has kept the same value for `quietMs` (no further restarts under way). */
async function settled(read, quietMs) {
    let value = read();
    let since = Date.now();
    await until('the log to settle', async () => {
        const now = read();
        if (now !== value) {
            value = now;
            since = Date.now();
        }
        return Date.now() - since >= quietMs;
    });
}

async function waitForReady() {
    const item = page.locator('.statusbar-item').filter({ hasText: 'Scion' }).first();
    await item.waitFor({ timeout: STEP_MS });
    await until('the Scion status bar item to show ready', async () => (await item.locator('.codicon-check').count()) > 0, SERVER_START_MS);
}

// ---------------------------------------------------------------- the test

async function main() {
    prepareRunFolder();
    let browser;
    try {
        let url;
        await step('prepare files from python/dataclass 1.0.0 with the CLI', async () => prepareOldFiles());
        await step('install the extension into code-server', async () => installExtension());
        await step('start code-server', async () => {
            url = await startCodeServer();
        });
        await step('open the workspace in Chromium', async () => {
            browser = await chromium.launch({
                executablePath: CHROMIUM,
                headless: true,
                args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                    '--disable-component-update', '--disable-sync'],
            });
            page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
            await page.goto(`${url}/?folder=${encodeURIComponent(WORKSPACE)}`);
            await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
            await page.getByRole('treeitem', { name: 'orders.py', exact: true }).waitFor({ timeout: STEP_MS });
        });
        await step('open a Python file: the extension starts the server', async () => {
            await openFile('orders.py');
            await waitForReady();
        });
        await step('an API key in settings.json is moved to the secret storage', async () => {
            const file = path.join(USER_DATA, 'User', 'settings.json');
            await until('the key gone from settings.json', async () => !fs.readFileSync(file, 'utf8').includes('sk-e2e-from-settings'));
            await until('the notification about the move', async () => (await notification(/moved from settings.json/).count()) > 0);
        });
        await step('saving a template.yml reloads it: YAML templates are attached', async () => {
            await page.keyboard.press('Control+P');
            await quickInput().waitFor({ state: 'visible', timeout: STEP_MS });
            await page.keyboard.type('.scion/templates/e2e/note/1.0.0/template.yml');
            const row = quickInput().locator('.quick-input-list .monaco-list-row').filter({ hasText: 'template.yml' });
            await row.first().waitFor({ timeout: STEP_MS });
            await page.keyboard.press('Enter');
            const editor = page.locator('.editor-group-container.active .monaco-editor');
            await until('the manifest in the editor', async () => (await editorText()).includes('title: E2E note'));
            await editor.locator('.view-lines').click();
            await page.keyboard.press('Control+A');
            await page.keyboard.press('Backspace');
            await page.keyboard.insertText(NOTE_MANIFEST.replace('mode: file', 'mode: sideways'));
            await page.keyboard.press('Control+S');
            await until('the template diagnostic after the save', async () => (await editor.locator('.squiggly-error').count()) > 0);
            await screenshot('template diagnostic');
            await page.keyboard.press('Control+A');
            await page.keyboard.press('Backspace');
            await page.keyboard.insertText(NOTE_MANIFEST);
            await page.keyboard.press('Control+S');
            await until('the diagnostic gone after fixing it', async () => (await editor.locator('.squiggly-error').count()) === 0);
        });
        await step('generate code action (Ctrl+.) asks the template questions', async () => {
            await openFile('orders.py');
            await page.locator('.editor-group-container.active .monaco-editor .view-lines').click();
            await runCodeAction(/Generate: Python dataclass/, 'generate');
            await answerDataclassQuestions();
        });
        await step('the generated code is in the editor', async () => {
            await until('class Order in the editor', async () => {
                const text = await editorText();
                return text.includes('class Order:') && text.includes('@dataclass(frozen=True, slots=True)') && text.includes('customer: str');
            });
        });
        await step('the answer file is on disk', async () => {
            const answers = path.join(WORKSPACE, 'orders.py.template-answers.yml');
            await until(`${answers}`, async () => {
                const text = fs.readFileSync(answers, 'utf8');
                return text.includes('template: python/dataclass') && text.includes('class_name: Order');
            });
        });
        await step('palette: Generate from Template… lists templates with success rates', async () => {
            await openFile('shipping_note.py');
            await runFromPalette('Scion: Generate from Template');
            const row = quickInput().locator('.quick-input-list .monaco-list-row').filter({ hasText: 'python/dataclass' });
            await row.first().waitFor({ timeout: STEP_MS });
            const text = await row.first().textContent();
            if (!/kept \d+% of \d+|no decided generations yet/.test(text ?? '')) throw new Error(`no success rate in ${JSON.stringify(text)}`);
            await screenshot('template list');
            await row.first().click();
            const keystrokes = await acceptDefaults();
            // Eight questions and the review, one Enter each.
            if (keystrokes !== 9) throw new Error(`Enter on every proposal took ${keystrokes} keystrokes, expected 9`);
            await until('class ShippingNote in the editor', async () => (await editorText()).includes('class ShippingNote:'));
            await until('its answer file', async () => fs.existsSync(path.join(WORKSPACE, 'shipping_note.py.template-answers.yml')));
        });
        await step('accept the remaining proposals (Ctrl+Shift+Enter), then Enter on the review: 2 keystrokes', async () => {
            await openFile('cart_line.py');
            await page.locator('.editor-group-container.active .monaco-editor .view-lines').click();
            await runCodeAction(/Generate: Python dataclass/, 'generate with accept all');
            await quickInput().waitFor({ state: 'visible', timeout: STEP_MS });
            const first = await waitForNextQuestion(undefined);
            const button = quickInput().locator('.codicon-check-all');
            if ((await button.count()) === 0) throw new Error('no "accept the remaining proposals" button on the first question');
            await screenshot('accept remaining button');
            await page.keyboard.press('Control+Shift+Enter');
            const review = await waitForNextQuestion(first.key);
            if (review.done || !/Enter generates/.test(review.prompt)) throw new Error(`expected the review, got ${JSON.stringify(review)}`);
            const rows = await quickInput().locator('.quick-input-list .monaco-list-row').allTextContents();
            if (!rows.some((row) => /class_name.*CartLine/.test(row))) throw new Error(`the review lacks class_name: ${rows.join(' | ')}`);
            await screenshot('review');
            await page.keyboard.press('Enter');
            await until('class CartLine in the editor', async () => (await editorText()).includes('class CartLine:'));
        });
        await step('palette: Set LLM API Key stores the key in the secret storage; the server gets it (traced)', async () => {
            // The trace (scion.trace.server = verbose) shows the initialize request once the
            // channel logs at Trace, as vscode-languageclient wants.
            await runFromPalette('Developer: Set Log Level');
            for (const choice of ['Scion', 'Trace']) {
                const input = quickInput().locator('.quick-input-box input');
                await until(`the ${choice} entry`, async () => {
                    await input.fill(choice);
                    const rows = await quickInput().locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
                    return rows[0]?.trim() === choice;
                });
                await page.keyboard.press('Enter');
            }
            const before = countInLog(/The LLM API key changed: restarting/g);
            await runFromPalette('Scion: Set LLM API Key');
            await quickInput().waitFor({ state: 'visible', timeout: STEP_MS });
            await page.keyboard.type('sk-e2e-typed');
            await page.keyboard.press('Enter');
            await until('the restart for the new key', async () => countInLog(/The LLM API key changed: restarting/g) > before);
            await until('the new key in the initializationOptions', async () => countInLog(/"apiKey": "sk-e2e-typed"/g) > 0, SERVER_START_MS);
            const settings = fs.readFileSync(path.join(USER_DATA, 'User', 'settings.json'), 'utf8');
            if (settings.includes('sk-e2e-typed')) throw new Error('the key was written to settings.json');
            await waitForReady();
        });
        await step('palette: Show Template Stats opens the report in a webview', async () => {
            await runFromPalette('Scion: Show Template Stats');
            await page.locator('.tab.active[aria-label^="Scion: Template Stats"]').waitFor({ timeout: STEP_MS });
            const body = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('body');
            await until('the report in the webview', async () => /python\/dataclass/.test((await body.textContent()) ?? ''));
        });
        await step('palette: Restart Server starts a new server', async () => {
            const before = countInLog(/Python: .* \(from setting\)/g);
            await runFromPalette('Scion: Restart Server');
            await until('a second server start in the Scion log', async () => countInLog(/Python: .* \(from setting\)/g) > before);
            await waitForReady();
        });
        await step('changing a scion.* setting in settings.json restarts the server', async () => {
            const before = countInLog(/Python: .* \(from setting\)/g);
            await editUserSettings((settings) => ({ ...settings, 'scion.llm.timeout': 45 }));
            await until('the restart after the settings change', async () => countInLog(/Python: .* \(from setting\)/g) > before);
            if (countInLog(/Scion settings changed/g) < 1) throw new Error('the restart was not caused by the settings change');
            await settled(() => countInLog(/Python: .* \(from setting\)/g), 1500);
            await waitForReady();
        });
        await step('a file from an older template version shows the upgrade diagnostic', async () => {
            await openFile('legacy.py');
            await until('the upgrade diagnostic', async () => (await page.locator('.editor-group-container.active .squiggly-info').count()) > 0);
            await page.keyboard.press('F8');
            await page.locator('.marker-widget').waitFor({ timeout: STEP_MS });
            const message = await page.locator('.marker-widget').textContent();
            if (!/python\/dataclass|upgrade|1\.1\.0/i.test(message ?? '')) throw new Error(`unexpected diagnostic: ${message}`);
        });
        await step('the status bar counts the 2 files with an upgrade available', async () => {
            await until('the upgrade count 2 in the Scion status bar item', async () => (await upgradeCount()) === 2);
        });
        await step('the upgrade quick-fix merges the new version with the edits', async () => {
            await page.keyboard.press('Escape');
            await runCodeAction(/^\s*Upgrade python\/dataclass to 1\.1\.0/, 'upgrade');
            await until('the merged result in the editor', async () => {
                const text = await editorText();
                return text.includes('slots=True') && text.includes('def with_tax(self) -> float:') && text.includes('class Invoice:');
            });
            const answers = path.join(WORKSPACE, 'legacy.py.template-answers.yml');
            await until('version 1.1.0 with _upgraded_from in the answer file', async () => {
                const text = fs.readFileSync(answers, 'utf8');
                return /version: '?1\.1\.0/.test(text) && /_upgraded_from: '?1\.0\.0/.test(text);
            });
            await until('the upgrade count 1 in the status bar', async () => (await upgradeCount()) === 1);
        });
        await step('palette: Upgrade All Generated Files upgrades the other file and reports', async () => {
            await runFromPalette('Scion: Upgrade All Generated Files');
            await until('the summary notification', async () => (await notification(/Scion: Upgraded 1, .*failed 0/).count()) > 0);
            const archive = fs.readFileSync(path.join(WORKSPACE, 'models', 'archive.py'), 'utf8');
            if (!archive.includes('@dataclass(slots=True)')) throw new Error(`models/archive.py was not upgraded:\n${archive}`);
            await until('no upgrade count in the status bar', async () => (await upgradeCount()) === 0);
        });
        await step('palette: Run Evolution reports a summary', async () => {
            await runFromPalette('Scion: Run Evolution');
            await until('the evolution notification', async () => (await notification(/Scion: Evolution finished/).count()) > 0, SERVER_START_MS);
        });
        await step("the workspace's own server package was never imported", async () => {
            if (fs.existsSync(HIJACK_MARKER)) throw new Error(`imported: ${fs.readFileSync(HIJACK_MARKER, 'utf8')}`);
        });
        await step('an interpreter without the server: the pip command and a button to the setting', async () => {
            // A python3 that sees no installed packages (isolated mode, no site-packages).
            const isolated = path.join(RUN, 'isolated-python');
            fs.writeFileSync(isolated, `#!/bin/sh\nexec python3 -I -S "$@"\n`, { mode: 0o755 });
            await editUserSettings((settings) => ({ ...settings, 'scion.server.pythonPath': isolated }));
            const message = notification(`Install it with: ${isolated} -m pip install -e ${CHECKOUT}`);
            await until('the missing-server notification', async () => (await message.count()) > 0, SERVER_START_MS);
            const statusItem = page.locator('.statusbar-item').filter({ hasText: 'Scion' }).first();
            await until('the failed state in the status bar', async () => (await statusItem.locator('.codicon-error').count()) > 0);
            await sleep(500); // let the toast finish sliding in
            await screenshot('missing server notification');
            await page.locator('.notification-toast').filter({ hasText: 'Install it with' }).getByRole('button', { name: 'Open Setting' }).click();
            const editor = page.locator('.settings-editor');
            await until('the Settings editor on scion.server.pythonPath', async () =>
                (await editor.isVisible()) && (await editor.locator('.setting-item').filter({ hasText: 'Python Path' }).count()) > 0);
            await screenshot('open setting');
        });
    } finally {
        await screenshot('final');
        await browser?.close().catch(() => undefined);
        await stopCodeServer();
    }
    const count = (status) => results.filter((r) => r.status === status).length;
    const failed = count('failed');
    if (failed) {
        console.log(`screenshots: ${OUT_DIR}; code-server log: ${RUN}/code-server.log; extension logs under ${USER_DATA}/logs`);
    }
    console.log(`${count('passed')} passed, ${failed} failed, ${count('skipped')} skipped`);
    process.exitCode = failed ? 1 : 0;
}

process.on('SIGINT', () => void stopCodeServer().then(() => process.exit(130)));
process.on('SIGTERM', () => void stopCodeServer().then(() => process.exit(143)));
main().catch(async (error) => {
    console.error(error);
    await stopCodeServer();
    process.exit(1);
});
