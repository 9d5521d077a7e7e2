import * as vscode from 'vscode';
import type { NestedSettings } from './settings';
import { SECTION } from './settings';

/** Where the LLM API key is kept: VS Code's secret storage (the OS keychain), never settings.json. */
export const API_KEY_SECRET = 'scion.llm.apiKey';

/** The part of `vscode.WorkspaceConfiguration` the migration uses. */
export interface KeySettings {
    inspect<T>(key: string): { globalValue?: T; workspaceValue?: T; workspaceFolderValue?: T } | undefined;
    update(key: string, value: unknown, target: vscode.ConfigurationTarget): Thenable<void>;
}

/**
 * Moves an API key found in the settings (user or workspace) into the secret storage and
 * removes it from every settings file. Returns whether one was moved.
 */
export async function migrateApiKey(
    secrets: vscode.SecretStorage,
    settings: KeySettings = vscode.workspace.getConfiguration(SECTION),
): Promise<boolean> {
    const found = settings.inspect<string>('llm.apiKey');
    const targets: [string | undefined, vscode.ConfigurationTarget][] = [
        [found?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder],
        [found?.workspaceValue, vscode.ConfigurationTarget.Workspace],
        [found?.globalValue, vscode.ConfigurationTarget.Global],
    ];
    const key = targets.map(([value]) => value?.trim()).find((value) => value);
    if (!key) {
        return false;
    }
    await secrets.store(API_KEY_SECRET, key);
    for (const [value, target] of targets) {
        if (value !== undefined) {
            await settings.update('llm.apiKey', undefined, target);
        }
    }
    return true;
}

/** The settings for the server with the key from the secret storage, when there is one. */
export function withApiKey(settings: NestedSettings, apiKey: string | undefined): NestedSettings {
    if (!apiKey) {
        return settings;
    }
    const llm = typeof settings.llm === 'object' && settings.llm !== null ? (settings.llm as NestedSettings) : {};
    return { ...settings, llm: { ...llm, apiKey } };
}

/** "Scion: Set LLM API Key": asks for the key (hidden) and stores it; an empty entry removes it. */
export async function setApiKey(secrets: vscode.SecretStorage): Promise<void> {
    const key = await vscode.window.showInputBox({
        title: 'Scion: LLM API Key',
        prompt: "Kept in VS Code's secret storage and passed to the Scion server when it starts; empty removes it.",
        password: true,
        ignoreFocusOut: true,
    });
    if (key === undefined) {
        return;
    }
    if (key.trim()) {
        await secrets.store(API_KEY_SECRET, key.trim());
    } else {
        await secrets.delete(API_KEY_SECRET);
    }
}
