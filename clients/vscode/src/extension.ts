import * as vscode from 'vscode';
import { registerCommands } from './common/commands';
import { onPythonInterpreterChanged } from './common/python';
import { API_KEY_SECRET, migrateApiKey } from './common/secrets';
import { Servers } from './common/servers';
import { configuredPythonPath, onSettingsChanged } from './common/settings';

let servers: Servers | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const output = vscode.window.createOutputChannel('Scion', { log: true });
    const running = new Servers(output, context.secrets);
    servers = running;
    // Before the listeners: moving the key changes the secret and the settings, which must not
    // restart a server that has not started yet.
    if (await migrateApiKey(context.secrets)) {
        void vscode.window.showInformationMessage(
            'Scion: the LLM API key was moved from settings.json to VS Code\'s secret storage ("Scion: Set LLM API Key" changes it).',
        );
    }
    context.subscriptions.push(
        output,
        running,
        ...registerCommands(running, output, context.secrets),
        onSettingsChanged(() => {
            output.info('Scion settings changed: restarting the server');
            void running.restartAll();
        }),
        context.secrets.onDidChange((event) => {
            if (event.key === API_KEY_SECRET) {
                output.info('The LLM API key changed: restarting the server');
                void running.restartAll();
            }
        }),
    );
    const interpreterChanged = await onPythonInterpreterChanged(() => {
        // The Python extension's choice counts only where scion.server.pythonPath does not decide.
        const following = running.all().filter((manager) => !configuredPythonPath(manager.scope.folder));
        if (following.length) {
            output.info("The Python extension's interpreter changed: restarting the server");
            void Promise.all(following.map((manager) => manager.restart()));
        }
    }).catch(() => undefined);
    if (interpreterChanged) {
        context.subscriptions.push(interpreterChanged);
    }
    await running.sync();
}

export async function deactivate(): Promise<void> {
    await servers?.stopAll();
    servers = undefined;
}
