import * as vscode from 'vscode';
import { setApiKey } from './secrets';
import type { ServerManager } from './server';
import type { Servers } from './servers';
import { acceptRemainingProposals } from './ask';

/** One entry of `scion.listTemplates`. */
export interface TemplateInfo {
    id: string;
    version: string;
    title: string;
    description?: string;
    mode?: string;
    successRate?: number | null;
    decided?: number;
}

export interface GenerateResult {
    generationId?: string;
    files?: string[];
    answerFile?: string;
}

interface TemplateItem extends vscode.QuickPickItem {
    template: TemplateInfo;
}

/** "kept 87% of 23", or why there is no rate yet. */
export function formatSuccessRate(rate: number | null | undefined, decided: number | undefined): string {
    if (!decided || rate === null || rate === undefined) {
        return 'no decided generations yet';
    }
    return `kept ${Math.round(rate * 100)}% of ${decided}`;
}

export function templateItem(template: TemplateInfo): TemplateItem {
    const detail = [formatSuccessRate(template.successRate, template.decided), template.description].filter(Boolean).join(' · ');
    return { label: template.title || template.id, description: `${template.id} ${template.version}`, detail, template };
}

/** Best first: by success rate (templates without decided generations last), then by title. */
export function sortTemplates(templates: TemplateInfo[]): TemplateInfo[] {
    const rate = (t: TemplateInfo) => (t.decided ? (t.successRate ?? -1) : -1);
    return [...templates].sort((a, b) => rate(b) - rate(a) || (a.title || a.id).localeCompare(b.title || b.id));
}

/** "Upgraded 3, unchanged 1, conflicted 1": counts, or list lengths, of the upgradeAll result. */
export function summarizeUpgrade(result: Record<string, unknown> | null | undefined): string {
    const parts: string[] = [];
    for (const key of ['upgraded', 'unchanged', 'conflicted', 'skipped', 'failed']) {
        const value = result?.[key];
        const count = Array.isArray(value) ? value.length : typeof value === 'number' ? value : 0;
        parts.push(`${key} ${count}`);
    }
    const text = parts.join(', ');
    return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One line for the `scion.evolve` summary: tasks looked at, promoted, demoted, new programs. */
export function summarizeEvolution(result: unknown): string {
    if (!result || typeof result !== 'object') {
        return 'Evolution finished.';
    }
    const summary = result as Record<string, unknown>;
    const count = (key: string) => (typeof summary[key] === 'number' ? summary[key] : 0);
    const tasks = Array.isArray(summary.tasks) ? summary.tasks.length : 0;
    const seconds = typeof summary.seconds === 'number' ? ` in ${summary.seconds.toFixed(1)} s` : '';
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const parts = [
        `${plural(tasks, 'task')} checked`,
        `${count('promoted')} promoted`,
        `${count('demoted')} demoted`,
        `${plural(count('programs'), 'new program')}`,
    ];
    const how = summary.cancelled ? 'Evolution cancelled' : summary.dryRun ? 'Evolution dry run finished' : 'Evolution finished';
    return `${how}${seconds}: ${parts.join(', ')}.`;
}

/** After `scion.generate`: bring the primary generated file to the front when it is not the active one. */
export async function openGeneratedFiles(result: unknown): Promise<void> {
    const files = (result as GenerateResult | null)?.files;
    if (!files || files.length === 0) {
        return;
    }
    const primary = vscode.Uri.parse(files[0]);
    if (vscode.window.activeTextEditor?.document.uri.toString() !== primary.toString()) {
        await vscode.window.showTextDocument(primary, { preview: false });
    }
}

function showError(output: vscode.LogOutputChannel, action: string, error: unknown): void {
    const message = errorMessage(error);
    output.error(`Scion: ${action} failed: ${message}`);
    // A failure the server answered with, it has already shown: each failure is shown once.
    if (!fromServer(error)) {
        void vscode.window.showErrorMessage(`Scion: ${action} failed: ${message}`);
    }
}

export function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** A JSON-RPC error response (the server's answer), as opposed to a failure in the client itself. */
export function fromServer(error: unknown): boolean {
    return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number';
}

async function generateFromTemplate(server: ServerManager): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
        void vscode.window.showInformationMessage('Scion: open a file to generate into.');
        return;
    }
    const location = {
        uri: editor.document.uri.toString(),
        position: { line: editor.selection.active.line, character: editor.selection.active.character },
    };
    const templates = await server.executeCommand<TemplateInfo[] | null>('scion.listTemplates', location);
    if (!templates || templates.length === 0) {
        void vscode.window.showInformationMessage('Scion: no template applies here.');
        return;
    }
    const chosen = await vscode.window.showQuickPick(sortTemplates(templates).map(templateItem), {
        title: 'Scion: Generate from Template',
        placeHolder: 'Templates valid at the cursor, best kept first',
        matchOnDescription: true,
        matchOnDetail: true,
    });
    if (!chosen) {
        return;
    }
    const result = await server.executeCommand<GenerateResult | null>('scion.generate', {
        templateId: chosen.template.id,
        version: chosen.template.version,
        ...location,
    });
    await openGeneratedFiles(result);
}

async function upgradeAll(server: ServerManager): Promise<void> {
    const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Scion: upgrading generated files…' },
        () => server.executeCommand<Record<string, unknown>>('scion.upgradeAll', {}),
    );
    void vscode.window.showInformationMessage(`Scion: ${summarizeUpgrade(result)}.`);
}

let statsPanel: vscode.WebviewPanel | undefined;

async function showStats(server: ServerManager): Promise<void> {
    const result = await server.executeCommand<{ html?: string } | null>('scion.stats', {});
    if (!statsPanel) {
        statsPanel = vscode.window.createWebviewPanel('scion.stats', 'Scion: Template Stats', vscode.ViewColumn.Active, {
            enableScripts: true,
            localResourceRoots: [],
        });
        statsPanel.onDidDispose(() => {
            statsPanel = undefined;
        });
    }
    statsPanel.webview.html = result?.html ?? '<p>No statistics yet.</p>';
    statsPanel.reveal();
}

/** The server reports its own progress ($/progress) while evolution runs. */
async function runEvolution(server: ServerManager, output: vscode.LogOutputChannel): Promise<void> {
    const result = await server.executeCommand<unknown>('scion.evolve', {});
    output.info(`Evolution: ${JSON.stringify(result, null, 2)}`);
    const choice = await vscode.window.showInformationMessage(`Scion: ${summarizeEvolution(result)}`, 'Show Details');
    if (choice) {
        output.show(true);
    }
}

/** Registers the palette commands; each reports its failure instead of throwing into VS Code. */
export function registerCommands(
    servers: Servers,
    output: vscode.LogOutputChannel,
    secrets: vscode.SecretStorage,
): vscode.Disposable[] {
    const guarded = (action: string, run: () => Promise<void>) => async () => {
        try {
            await run();
        } catch (error) {
            showError(output, action, error);
        }
    };
    // The server of the active editor's folder (each folder of a multi-root workspace has one).
    const server = (run: (manager: ServerManager) => Promise<void>) => () => run(servers.active());
    return [
        vscode.commands.registerCommand(
            'scion.generateFromTemplate',
            guarded(
                'generate',
                server((manager) => generateFromTemplate(manager)),
            ),
        ),
        vscode.commands.registerCommand(
            'scion.upgradeAllFiles',
            guarded(
                'upgrade all',
                server((manager) => upgradeAll(manager)),
            ),
        ),
        vscode.commands.registerCommand(
            'scion.showStats',
            guarded(
                'stats',
                server((manager) => showStats(manager)),
            ),
        ),
        vscode.commands.registerCommand(
            'scion.runEvolution',
            guarded(
                'evolution',
                server((manager) => runEvolution(manager, output)),
            ),
        ),
        vscode.commands.registerCommand(
            'scion.restartServer',
            guarded('restart', () => servers.restartAll()),
        ),
        vscode.commands.registerCommand('scion.showOutput', () => output.show(true)),
        vscode.commands.registerCommand('scion.acceptProposals', acceptRemainingProposals),
        vscode.commands.registerCommand(
            'scion.setLlmApiKey',
            guarded('set the API key', () => setApiKey(secrets)),
        ),
    ];
}
