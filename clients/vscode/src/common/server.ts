import * as vscode from 'vscode';
import {
    ExecuteCommandRequest,
    LanguageClient,
    type LanguageClientOptions,
    type ServerOptions,
    State,
} from 'vscode-languageclient/node';
import { askQuestions, type AskParams } from './ask';
import { errorMessage, openGeneratedFiles } from './commands';
import {
    SERVER_ARGS,
    checkServerImport,
    editorLookup,
    findInterpreter,
    reportMissingServer,
    reportNoInterpreter,
} from './python';
import { configuredPythonPath, serverSettings } from './settings';
import type { ServerStatus, StatusBar } from './status';

/** The languages Scion's builtin templates cover (LSP language ids). */
export const LANGUAGES = ['python', 'typescript', 'typescriptreact', 'javascript', 'go', 'rust', 'elixir'];

/** Starts, restarts and stops the `python -P -m server` language client; one at a time. */
export class ServerManager {
    private client: LanguageClient | undefined;
    private queue: Promise<void> = Promise.resolve();

    constructor(
        private readonly output: vscode.LogOutputChannel,
        private readonly status: StatusBar,
    ) {}

    start(): Promise<void> {
        return this.enqueue(() => this.startClient());
    }

    restart(): Promise<void> {
        return this.enqueue(async () => {
            await this.stopClient();
            await this.startClient();
        });
    }

    stop(): Promise<void> {
        return this.enqueue(() => this.stopClient());
    }

    /** Sends `workspace/executeCommand` with the contract's single object argument. */
    async executeCommand<T>(command: string, argument: object): Promise<T> {
        await this.queue;
        const client = this.client;
        if (!client || !client.isRunning()) {
            throw new Error('the Scion server is not running (see "Scion: Show Server Log")');
        }
        return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [argument] }) as Promise<T>;
    }

    private enqueue(task: () => Promise<void>): Promise<void> {
        const next = this.queue.then(task, task);
        this.queue = next.catch((error: unknown) => this.output.error(`Scion: ${String(error)}`));
        return next;
    }

    private async startClient(): Promise<void> {
        const folder = vscode.workspace.workspaceFolders?.[0];
        const cwd = folder?.uri.fsPath;
        this.status.update({ state: 'starting', message: 'looking for Python', upgradesAvailable: 0 });
        const interpreter = await findInterpreter(editorLookup(folder, configuredPythonPath()));
        if (!interpreter) {
            this.fail('no Python interpreter');
            void reportNoInterpreter();
            return;
        }
        this.output.info(`Python: ${interpreter.path} (from ${interpreter.source})`);
        const check = await checkServerImport(interpreter.path, cwd);
        if (!check.ok) {
            this.fail(`the server is not installed for ${interpreter.path}`);
            this.output.error(`${interpreter.path} -P -c "import server": ${check.detail}`);
            void reportMissingServer(interpreter.path, check.detail);
            return;
        }

        const serverOptions: ServerOptions = {
            command: interpreter.path,
            // No `transport`: with TransportKind.stdio the client would append `--stdio`,
            // and `python -P -m server` serves stdio only when it has no arguments.
            args: [...SERVER_ARGS],
            options: { cwd },
        };
        const clientOptions: LanguageClientOptions = {
            documentSelector: LANGUAGES.flatMap((language) => [
                { scheme: 'file', language },
                { scheme: 'untitled', language },
            ]),
            outputChannel: this.output,
            initializationOptions: () => ({ ask: true, scion: serverSettings() }),
            middleware: {
                // Sent here rather than through `next`, whose failure handler pops up a second
                // notification: the server has already shown the failure (docs/internals.md, "Failures").
                executeCommand: async (command, args) => {
                    let result: unknown;
                    try {
                        result = await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
                    } catch (error) {
                        this.output.error(`${command} failed: ${errorMessage(error)}`);
                        return undefined;
                    }
                    if (command === 'scion.generate') {
                        await openGeneratedFiles(result);
                    }
                    return result;
                },
            },
        };
        const client = new LanguageClient('scion', 'Scion', serverOptions, clientOptions);
        let serverReported = false;
        client.onRequest('scion/ask', (params: AskParams, token: vscode.CancellationToken) => askQuestions(params, token));
        client.onNotification('scion/status', (params: Partial<ServerStatus>) => {
            serverReported = true;
            this.status.update(params);
        });
        client.onDidChangeState(({ newState }) => {
            if (newState === State.Stopped) {
                this.status.update({ state: 'stopped', message: '' });
            } else if (newState === State.Starting) {
                this.status.update({ state: 'starting', message: '' });
            }
        });
        this.client = client;
        this.status.update({ state: 'starting', message: `starting ${interpreter.path} ${SERVER_ARGS.join(' ')}` });
        try {
            await client.start();
        } catch (error) {
            this.fail(`the server did not start: ${String(error)}`);
            return;
        }
        if (!serverReported) {
            this.status.update({ state: 'ready', message: '' });
        }
    }

    private async stopClient(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (client) {
            try {
                await client.stop(5000);
            } catch (error) {
                this.output.warn(`Scion: stopping the server: ${String(error)}`);
            }
            await client.dispose().catch(() => undefined);
        }
        this.status.update({ state: 'stopped', message: '', upgradesAvailable: 0 });
    }

    private fail(message: string): void {
        this.output.error(`Scion: ${message}`);
        this.status.update({ state: 'failed', message });
    }
}
