import * as vscode from 'vscode';
import { ServerManager } from './server';
import { StatusBar } from './status';

/**
 * One server per workspace folder: a multi-root workspace gets a server (and a status bar
 * item) for each folder, started and stopped as folders come and go. The server keeps one
 * workspace root (its database, templates and settings are the folder's), so each folder's
 * documents go to the server of that folder.
 */
export class Servers implements vscode.Disposable {
    private readonly byFolder = new Map<string, ServerManager>();
    private readonly listener: vscode.Disposable;

    constructor(
        private readonly output: vscode.LogOutputChannel,
        private readonly secrets: vscode.SecretStorage,
    ) {
        this.listener = vscode.workspace.onDidChangeWorkspaceFolders(() => void this.sync(true));
    }

    /** Starts a server for every folder that has none, and stops those of folders removed. */
    async sync(restartOthers = false): Promise<void> {
        const folders = vscode.workspace.workspaceFolders ?? [];
        const multiRoot = folders.length > 1;
        const wanted = new Map<string, vscode.WorkspaceFolder | undefined>(
            folders.length ? folders.map((folder) => [folder.uri.toString(), folder]) : [['', undefined]],
        );
        const stopping: Promise<void>[] = [];
        for (const [key, manager] of this.byFolder) {
            // Going from one folder to several changes every server's document selector: start them again.
            if (!wanted.has(key) || (restartOthers && multiRoot !== manager.multiRoot)) {
                this.byFolder.delete(key);
                stopping.push(manager.stop().finally(() => manager.status.dispose()));
            }
        }
        await Promise.all(stopping);
        let first = true;
        for (const [key, folder] of wanted) {
            if (!this.byFolder.has(key)) {
                const status = new StatusBar(multiRoot ? folder?.name : undefined);
                const manager = new ServerManager(this.output, status, this.secrets, { folder, untitled: first });
                this.byFolder.set(key, manager);
                void manager.start();
            }
            first = false;
        }
    }

    /** The server of the active editor's folder, else the first one. */
    active(): ServerManager {
        const uri = vscode.window.activeTextEditor?.document.uri;
        const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
        const manager = (folder && this.byFolder.get(folder.uri.toString())) ?? this.byFolder.values().next().value;
        if (!manager) {
            throw new Error('the Scion server is not running (see "Scion: Show Server Log")');
        }
        return manager;
    }

    all(): ServerManager[] {
        return [...this.byFolder.values()];
    }

    async restartAll(): Promise<void> {
        await Promise.all(this.all().map((manager) => manager.restart()));
    }

    async stopAll(): Promise<void> {
        await Promise.all(this.all().map((manager) => manager.stop()));
    }

    dispose(): void {
        this.listener.dispose();
        for (const manager of this.all()) {
            manager.status.dispose();
        }
    }
}
