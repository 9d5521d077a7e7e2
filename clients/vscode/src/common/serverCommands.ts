import * as vscode from 'vscode';

/** The document a server command is about: the `uri` of its single object argument (the contract's shape). */
export function commandDocument(args: readonly unknown[]): string | undefined {
    const [argument] = args;
    if (argument && typeof argument === 'object' && 'uri' in argument) {
        const { uri } = argument;
        return typeof uri === 'string' ? uri : undefined;
    }
    return undefined;
}

/**
 * The commands the servers list (`executeCommandProvider`), registered with VS Code once for
 * every folder's server. Left to the language clients, each folder's client of a multi-root
 * workspace registers the same ids, and every client after the first fails to start
 * ("command 'scion.generate' already exists"). So the clients hand their commands here, and
 * each call goes to the server that `route` picks (the one of the document it is about).
 */
export class ServerCommands implements vscode.Disposable {
    private readonly registered = new Map<string, vscode.Disposable>();

    constructor(private readonly route: (command: string, args: unknown[]) => Thenable<unknown>) {}

    /** Registers the commands not registered yet; a server started again lists the same ones. */
    add(commands: readonly string[]): void {
        for (const command of commands) {
            if (!this.registered.has(command)) {
                const registration = vscode.commands.registerCommand(command, (...args: unknown[]) => this.route(command, args));
                this.registered.set(command, registration);
            }
        }
    }

    dispose(): void {
        for (const registration of this.registered.values()) {
            registration.dispose();
        }
        this.registered.clear();
    }
}
