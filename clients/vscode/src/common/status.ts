import * as vscode from 'vscode';

/** `starting`, `ready` and `busy` come from the server's `scion/status`; the others from the client. */
export type ServerState = 'starting' | 'ready' | 'busy' | 'stopped' | 'failed';

/** The team hub's part of `scion/status`, present only when a hub is configured. */
export interface HubStatus {
    state: 'connecting' | 'connected' | 'offline';
    message: string;
    backlog: number;
    team?: string | null;
    teamSize?: number;
}

export interface ServerStatus {
    state: ServerState;
    message: string;
    upgradesAvailable: number;
    hub?: HubStatus;
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
    if (status.hub) {
        text += status.hub.state === 'offline' ? ' $(cloud-offline)' : ' $(cloud)';
        tooltip += `\n${describeHub(status.hub)}`;
    }
    return { text, tooltip, command };
}

function describeHub(hub: HubStatus): string {
    let text = `Team hub: ${hub.state}`;
    if (hub.team) {
        text += ` (team ${hub.team}, ${hub.teamSize ?? 0} instance${hub.teamSize === 1 ? '' : 's'})`;
    }
    if (hub.backlog > 0) {
        text += `, ${hub.backlog} waiting to be shared`;
    }
    return hub.message ? `${text}: ${hub.message}` : text;
}

/** Folds a `scion/status` notification into the current status, keeping what it leaves out. */
export function mergeStatus(current: ServerStatus, update: Partial<ServerStatus>): ServerStatus {
    const merged: ServerStatus = {
        state: update.state ?? current.state,
        message: update.message ?? current.message,
        upgradesAvailable: typeof update.upgradesAvailable === 'number' ? update.upgradesAvailable : current.upgradesAvailable,
    };
    // The server sends its status whole (upgradesAvailable included): no `hub` there means no hub configured.
    const hub = 'hub' in update ? update.hub : typeof update.upgradesAvailable === 'number' ? undefined : current.hub;
    if (hub) {
        merged.hub = hub;
    }
    return merged;
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
