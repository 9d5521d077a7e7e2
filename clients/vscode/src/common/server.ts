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
import { documentSelector } from './languages';
import {
    SERVER_ARGS,
    checkServerImport,
    editorLookup,
    findInterpreter,
    isSupportedPython,
    pythonVersion,
    reportMissingServer,
    reportNoInterpreter,
    reportOldPython,
} from './python';
import { API_KEY_SECRET, withApiKey } from './secrets';
import { configuredPythonPath, serverSettings } from './settings';
import type { ServerStatus, StatusBar } from './status';

/** What a server is for: one workspace folder (each folder of a multi-root workspace has its own). */
export interface ServerScope {
    /** The folder; undefined when VS Code has no folder open. */
    folder: vscode.WorkspaceFolder | undefined;
    /** Whether untitled documents go to this server (the first folder's). */
    untitled: boolean;
}

/** Starts, restarts and stops the `python -P -m server` language client of one folder; one at a time. */
export class ServerManager {
    private client: LanguageClient | undefined;
    private queue: Promise<void> = Promise.resolve();

    constructor(
        private readonly output: vscode.LogOutputChannel,
        readonly status: StatusBar,
        private readonly secrets: vscode.SecretStorage,
        readonly scope: ServerScope = { folder: vscode.workspace.workspaceFolders?.[0], untitled: true },
    ) {}

    /** Whether it was started as one of several (a multi-root workspace): then it serves its folder's documents only. */
    multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;

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
        const folder = this.scope.folder;
        const cwd = folder?.uri.fsPath;
        this.status.update({ state: 'starting', message: 'looking for Python', upgradesAvailable: 0 });
        const interpreter = await findInterpreter(editorLookup(folder, configuredPythonPath(folder)));
        if (!interpreter) {
            this.fail('no Python interpreter');
            void reportNoInterpreter();
            return;
        }
        this.output.info(`Python: ${interpreter.path} (from ${interpreter.source})`);
        const version = await pythonVersion(interpreter.path);
        if (version && !isSupportedPython(version)) {
            this.fail(`${interpreter.path} is Python ${version.join('.')}`);
            void reportOldPython(interpreter.path, version);
            return;
        }
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
        // The key comes from the secret storage and goes to the server in initializationOptions
        // only: never into settings, never in workspace/didChangeConfiguration.
        const apiKey = await this.secrets.get(API_KEY_SECRET);
        const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
        this.multiRoot = multiRoot;
        const clientOptions: LanguageClientOptions = {
            documentSelector: documentSelector(multiRoot ? cwd : undefined, this.scope.untitled),
            workspaceFolder: folder,
            outputChannel: this.output,
            initializationOptions: () => ({ ask: true, scion: withApiKey(serverSettings(folder), apiKey) }),
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
        const name = multiRoot && folder ? `Scion (${folder.name})` : 'Scion';
        const client = new LanguageClient('scion', name, serverOptions, clientOptions);
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
