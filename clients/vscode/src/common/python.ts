import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SECTION } from './settings';

export type InterpreterSource = 'setting' | 'python-extension' | 'path';

export interface Interpreter {
    path: string;
    source: InterpreterSource;
}

/** Where an interpreter may come from, in the order they are tried. */
export interface InterpreterLookup {
    /** `scion.server.pythonPath`, already expanded; empty when unset. */
    configuredPath(): string;
    /** The Python extension's active interpreter, when that extension is installed. */
    pythonExtensionPath(): Promise<string | undefined>;
    /** An executable of that name on PATH. */
    findOnPath(name: string): Promise<string | undefined>;
}

export async function findInterpreter(lookup: InterpreterLookup): Promise<Interpreter | undefined> {
    const configured = lookup.configuredPath();
    if (configured) {
        return { path: configured, source: 'setting' };
    }
    const fromExtension = await lookup.pythonExtensionPath().catch(() => undefined);
    if (fromExtension) {
        return { path: fromExtension, source: 'python-extension' };
    }
    const onPath = await lookup.findOnPath('python3');
    return onPath ? { path: onPath, source: 'path' } : undefined;
}

/** Expands `~` and `${workspaceFolder}` in a configured path. */
export function expandPath(raw: string, workspaceFolder: string | undefined, home = os.homedir()): string {
    let expanded = raw.trim();
    if (expanded === '~' || expanded.startsWith('~/')) {
        expanded = home + expanded.slice(1);
    }
    if (workspaceFolder) {
        expanded = expanded.split('${workspaceFolder}').join(workspaceFolder);
    }
    return expanded;
}

export async function findOnPath(
    name: string,
    pathVariable = process.env.PATH ?? '',
    isExecutable: (file: string) => Promise<boolean> = executable,
): Promise<string | undefined> {
    for (const dir of pathVariable.split(path.delimiter)) {
        if (dir) {
            const candidate = path.join(dir, name);
            if (await isExecutable(candidate)) {
                return candidate;
            }
        }
    }
    return undefined;
}

async function executable(file: string): Promise<boolean> {
    try {
        await fs.access(file, fsConstants.X_OK);
        return (await fs.stat(file)).isFile();
    } catch {
        return false;
    }
}

/**
 * The Scion checkout this extension was built from, set by scripts/bundle.mjs.
 * The server is installed from a checkout (the "scion" name on PyPI is another project).
 */
declare const SCION_CHECKOUT: string | undefined;

export function builtFromCheckout(): string | undefined {
    return typeof SCION_CHECKOUT === 'string' ? SCION_CHECKOUT : undefined;
}

function shellQuote(text: string): string {
    return /[\s"'$`\\]/.test(text) ? `"${text.replace(/(["$`\\])/g, '\\$1')}"` : text;
}

/**
 * How the server is started: `-P` keeps the working directory (the workspace)
 * off `sys.path`, so a project's own `server.py` or `server/` package is never
 * imported in its place. `-P` needs Python 3.11, as Scion does.
 */
export const SERVER_ARGS: readonly string[] = ['-P', '-m', 'server'];

/**
 * The command a user runs to make the server importable by this interpreter:
 * an editable install of the checkout, when it is still there. Scion is not on
 * PyPI yet (it will be published as `scion-lsp`; `scion` there is another project).
 */
export function pipInstallCommand(python: string, checkout: string | undefined): string {
    const source = checkout ? shellQuote(checkout) : '<path of your Scion checkout>';
    return `${shellQuote(python)} -m pip install -e ${source}`;
}

async function existingCheckout(): Promise<string | undefined> {
    const checkout = builtFromCheckout();
    if (!checkout) {
        return undefined;
    }
    try {
        await fs.access(path.join(checkout, 'pyproject.toml'));
        return checkout;
    } catch {
        return undefined;
    }
}

export interface ImportCheck {
    ok: boolean;
    detail: string;
}

/** The oldest Python the server runs on (`-P`, tomllib, typing). */
export const MIN_PYTHON: readonly [number, number] = [3, 11];

/** `major.minor` of an interpreter, read without `-P` so that older ones answer too; undefined when it does not run. */
export function pythonVersion(python: string): Promise<[number, number] | undefined> {
    return new Promise((resolve) => {
        execFile(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { timeout: 30_000 }, (error, stdout) => {
            const match = /^(\d+)\.(\d+)/.exec(stdout.trim());
            resolve(!error && match ? [Number(match[1]), Number(match[2])] : undefined);
        });
    });
}

export function isSupportedPython(version: readonly [number, number]): boolean {
    return version[0] > MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] >= MIN_PYTHON[1]);
}

const SELECT_INTERPRETER = 'Select Interpreter';

/** Tells the user the interpreter is too old, with a way to pick another one. */
export async function reportOldPython(python: string, version: readonly [number, number]): Promise<void> {
    const buttons = vscode.extensions.getExtension('ms-python.python') ? [SELECT_INTERPRETER, OPEN_SETTING] : [OPEN_SETTING];
    const choice = await vscode.window.showErrorMessage(
        `Scion: ${python} is Python ${version.join('.')}; the server needs Python ${MIN_PYTHON.join('.')} or newer. Pick another interpreter.`,
        ...buttons,
    );
    if (choice === SELECT_INTERPRETER) {
        await vscode.commands.executeCommand('python.setInterpreter');
    } else if (choice === OPEN_SETTING) {
        await openPythonPathSetting();
    }
}

/** Runs `python -P -c "import server"` (as the server starts); resolves with what went wrong when it fails. */
export function checkServerImport(python: string, cwd: string | undefined): Promise<ImportCheck> {
    return new Promise((resolve) => {
        execFile(python, ['-P', '-c', 'import server'], { cwd, timeout: 30_000 }, (error, _stdout, stderr) => {
            if (!error) {
                resolve({ ok: true, detail: '' });
                return;
            }
            if (/Unknown option: -P/.test(stderr)) {
                resolve({ ok: false, detail: 'Scion needs Python 3.11 or newer' });
                return;
            }
            const lastLine = stderr.trim().split('\n').pop();
            resolve({ ok: false, detail: lastLine || error.message });
        });
    });
}

const OPEN_SETTING = 'Open Setting';
const COPY_COMMAND = 'Copy Command';

/** Tells the user how to install the server for `python`, with a button to pick another one. */
export async function reportMissingServer(python: string, detail: string): Promise<void> {
    const command = pipInstallCommand(python, await existingCheckout());
    const choice = await vscode.window.showErrorMessage(
        `Scion: the server cannot be imported by ${python} (${detail}). Install it with: ${command} (from the Scion checkout; Scion is not on PyPI yet)`,
        OPEN_SETTING,
        COPY_COMMAND,
    );
    if (choice === OPEN_SETTING) {
        await openPythonPathSetting();
    } else if (choice === COPY_COMMAND) {
        await vscode.env.clipboard.writeText(command);
    }
}

export async function reportNoInterpreter(): Promise<void> {
    const choice = await vscode.window.showErrorMessage(
        'Scion: no Python interpreter found. Set scion.server.pythonPath or put python3 on PATH.',
        OPEN_SETTING,
    );
    if (choice === OPEN_SETTING) {
        await openPythonPathSetting();
    }
}

function openPythonPathSetting(): Thenable<unknown> {
    return vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server.pythonPath`);
}

interface PythonExtensionApi {
    ready?: Promise<void>;
    environments?: {
        onDidChangeActiveEnvironmentPath?: (
            listener: (event: { resource?: { uri?: vscode.Uri } | vscode.Uri }) => unknown,
        ) => vscode.Disposable;
        getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
        resolveEnvironment(env: {
            id: string;
            path: string;
        }): Promise<{ executable: { uri: vscode.Uri | undefined } } | undefined>;
    };
}

/** The active interpreter of ms-python.python, read through its public API (no dependency). */
async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
    if (!extension) {
        return undefined;
    }
    const api = extension.isActive ? extension.exports : await extension.activate();
    await api?.ready;
    const environments = api?.environments;
    if (!environments) {
        return undefined;
    }
    const resolved = await environments.resolveEnvironment(environments.getActiveEnvironmentPath(resource));
    return resolved?.executable.uri?.fsPath;
}

/** The lookup the extension uses: settings, the Python extension, PATH. */
export function editorLookup(workspaceFolder: vscode.WorkspaceFolder | undefined, pythonPathSetting: string): InterpreterLookup {
    return {
        configuredPath: () => expandPath(pythonPathSetting, workspaceFolder?.uri.fsPath),
        pythonExtensionPath: () => pythonExtensionInterpreter(workspaceFolder?.uri),
        findOnPath: (name) => findOnPath(name),
    };
}

/**
 * Calls `listener` when the Python extension's active interpreter changes (the user picks
 * another one); nothing when that extension is not installed.
 */
export async function onPythonInterpreterChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
    if (!extension) {
        return undefined;
    }
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api?.environments?.onDidChangeActiveEnvironmentPath?.(() => listener());
}
