import * as vscode from 'vscode';
import { registerCommands } from './common/commands';
import { ServerManager } from './common/server';
import { onSettingsChanged } from './common/settings';
import { StatusBar } from './common/status';

let server: ServerManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
    const output = vscode.window.createOutputChannel('Scion', { log: true });
    const status = new StatusBar();
    server = new ServerManager(output, status);
    context.subscriptions.push(
        output,
        status,
        ...registerCommands(server, output),
        onSettingsChanged(() => {
            output.info('Scion settings changed: restarting the server');
            void server?.restart();
        }),
    );
    void server.start();
}

export async function deactivate(): Promise<void> {
    await server?.stop();
    server = undefined;
}
