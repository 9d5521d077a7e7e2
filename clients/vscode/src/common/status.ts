import * as vscode from 'vscode';

/** `starting`, `ready` and `busy` come from the server's `scion/status`; the others from the client. */
export type ServerState = 'starting' | 'ready' | 'busy' | 'stopped' | 'failed';

export interface ServerStatus {
    state: ServerState;
    message: string;
    upgradesAvailable: number;
}

export interface StatusView {
    text: string;
    tooltip: string;
    command: string;
}

const ICONS: Record<ServerState, string> = {
    starting: '$(loading~spin)',
    busy: '$(loading~spin)',
    ready: '$(check)',
    stopped: '$(circle-slash)',
    failed: '$(error)',
};

/** `folder`: the workspace folder's name when each folder of a multi-root workspace has its server. */
export function describeStatus(status: ServerStatus, folder?: string): StatusView {
    const upgrades = status.upgradesAvailable;
    let text = `${ICONS[status.state] ?? ''} Scion${folder ? ` (${folder})` : ''}`;
    let tooltip = `Scion server${folder ? ` for ${folder}` : ''}: ${status.state}${status.message ? ` (${status.message})` : ''}`;
    let command = 'scion.showOutput';
    if (upgrades > 0) {
        text += ` $(arrow-up) ${upgrades}`;
        tooltip += `\n${upgrades} generated file${upgrades === 1 ? ' has' : 's have'} a template upgrade. Click to upgrade all.`;
        command = 'scion.upgradeAllFiles';
    } else {
        tooltip += '\nClick to show the server log.';
    }
    return { text, tooltip, command };
}

/** Folds a `scion/status` notification into the current status, keeping what it leaves out. */
export function mergeStatus(current: ServerStatus, update: Partial<ServerStatus>): ServerStatus {
    return {
        state: update.state ?? current.state,
        message: update.message ?? current.message,
        upgradesAvailable: typeof update.upgradesAvailable === 'number' ? update.upgradesAvailable : current.upgradesAvailable,
    };
}

/** The status bar item: server state and the number of files with upgrades available. */
export class StatusBar implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private status: ServerStatus = { state: 'stopped', message: '', upgradesAvailable: 0 };

    constructor(private readonly folder?: string) {
        const id = folder ? `scion.status.${folder}` : 'scion.status';
        this.item = vscode.window.createStatusBarItem(id, vscode.StatusBarAlignment.Right, 100);
        this.item.name = folder ? `Scion (${folder})` : 'Scion';
        this.render();
        this.item.show();
    }

    get current(): ServerStatus {
        return this.status;
    }

    update(update: Partial<ServerStatus>): void {
        this.status = mergeStatus(this.status, update);
        this.render();
    }

    private render(): void {
        const view = describeStatus(this.status, this.folder);
        this.item.text = view.text;
        this.item.tooltip = view.tooltip;
        this.item.command = view.command;
    }

    dispose(): void {
        this.item.dispose();
    }
}
