import * as vscode from 'vscode';
import manifest from '../../package.json';

export const SECTION = 'scion';

/** Every `scion.*` setting the extension contributes, without the prefix. */
export const SETTING_KEYS: readonly string[] = Object.keys(manifest.contributes.configuration.properties).map((key) =>
    key.slice(SECTION.length + 1),
);

/**
 * Settings the server never gets from settings.json: the client's own (`server.*`, and
 * `trace.server`, which vscode-languageclient applies itself) and the API key, which
 * travels from the secret storage instead (secrets.ts).
 */
const NOT_SENT = (key: string) => key.startsWith('server.') || key.startsWith('trace.') || key === 'llm.apiKey';

export type NestedSettings = { [key: string]: unknown };

/** Anything with `get(key)`, as `vscode.WorkspaceConfiguration` has. */
export interface SettingsSource {
    get<T>(key: string): T | undefined;
}

/**
 * Turns dotted keys into the nested object the server expects:
 * `{"tracking.checkpoints": [30]}` -> `{tracking: {checkpoints: [30]}}`.
 * Unset values and empty strings are left out, so the server uses its defaults.
 */
export function nestSettings(flat: Record<string, unknown>): NestedSettings {
    const nested: NestedSettings = {};
    for (const [dotted, value] of Object.entries(flat)) {
        if (value === undefined || value === null || value === '') {
            continue;
        }
        const parts = dotted.split('.');
        let node = nested;
        for (const part of parts.slice(0, -1)) {
            const child = node[part];
            if (typeof child !== 'object' || child === null || Array.isArray(child)) {
                node[part] = {};
            }
            node = node[part] as NestedSettings;
        }
        node[parts[parts.length - 1]] = value;
    }
    return nested;
}

/** The settings of a folder (its `.vscode/settings.json` over the workspace's and the user's). */
function folderSettings(folder?: vscode.WorkspaceFolder): SettingsSource {
    return vscode.workspace.getConfiguration(SECTION, folder?.uri);
}

/** The `scion` object of initializationOptions: every server setting, nested. */
export function serverSettings(source: SettingsSource | vscode.WorkspaceFolder | undefined = undefined): NestedSettings {
    source = source === undefined || 'uri' in source ? folderSettings(source) : source;
    const flat: Record<string, unknown> = {};
    for (const key of SETTING_KEYS) {
        if (!NOT_SENT(key)) {
            flat[key] = source.get(key);
        }
    }
    return nestSettings(flat);
}

export function configuredPythonPath(source: SettingsSource | vscode.WorkspaceFolder | undefined = undefined): string {
    source = source === undefined || 'uri' in source ? folderSettings(source) : source;
    return (source.get<string>('server.pythonPath') ?? '').trim();
}

export interface Debounced<A extends unknown[]> {
    (...args: A): void;
    cancel(): void;
}

/** Calls `fn` once, `delayMs` after the last of a burst of calls. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, delayMs: number): Debounced<A> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const debounced = (...args: A) => {
        if (timer !== undefined) {
            clearTimeout(timer);
        }
        timer = setTimeout(() => {
            timer = undefined;
            fn(...args);
        }, delayMs);
    };
    debounced.cancel = () => {
        if (timer !== undefined) {
            clearTimeout(timer);
            timer = undefined;
        }
    };
    return debounced;
}

/** Settings whose change needs a new server: all but the trace, which the running client follows. */
const RESTART_KEYS = SETTING_KEYS.filter((key) => !key.startsWith('trace.'));

/** Runs `onChange` once after a burst of `scion.*` setting changes that need a restart. */
export function onSettingsChanged(onChange: () => void, delayMs = 500): vscode.Disposable {
    const debounced = debounce(onChange, delayMs);
    const listener = vscode.workspace.onDidChangeConfiguration((event) => {
        if (RESTART_KEYS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`))) {
            debounced();
        }
    });
    return {
        dispose() {
            debounced.cancel();
            listener.dispose();
        },
    };
}
