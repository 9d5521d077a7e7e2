// A small stand-in for the `vscode` module: just what src/common uses, with
// handles for tests to play the user (type, accept, go back, escape) and to
// change settings. The unit-test bundle aliases `vscode` to this file.

type Listener<T> = (value: T) => void;

export class EventEmitter<T> {
    private listeners: Listener<T>[] = [];
    readonly event = (listener: Listener<T>) => {
        this.listeners.push(listener);
        return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
    };
    fire(value: T): void {
        [...this.listeners].forEach((listener) => listener(value));
    }
    dispose(): void {
        this.listeners = [];
    }
}

export class Uri {
    private constructor(
        readonly scheme: string,
        readonly fsPath: string,
    ) {}
    static file(fsPath: string): Uri {
        return new Uri('file', fsPath);
    }
    static parse(text: string): Uri {
        return text.startsWith('file://') ? new Uri('file', decodeURIComponent(text.slice(7))) : new Uri('untitled', text);
    }
    toString(): string {
        return this.scheme === 'file' ? `file://${this.fsPath}` : this.fsPath;
    }
}

export const QuickInputButtons = { Back: { iconPath: 'back', tooltip: 'Back' } };
export class ThemeIcon {
    constructor(readonly id: string) {}
}
export enum QuickPickItemKind {
    Separator = -1,
    Default = 0,
}
export enum StatusBarAlignment {
    Left = 1,
    Right = 2,
}
export enum ProgressLocation {
    Notification = 15,
}
export enum ConfigurationTarget {
    Global = 1,
    Workspace = 2,
    WorkspaceFolder = 3,
}
export enum ViewColumn {
    Active = -1,
}

/** What quick inputs share; tests drive them through these methods. */
class FakeQuickInput {
    title: string | undefined;
    step: number | undefined;
    totalSteps: number | undefined;
    ignoreFocusOut = false;
    buttons: readonly unknown[] = [];
    placeholder: string | undefined;
    visible = false;
    disposed = false;
    protected readonly accepted = new EventEmitter<void>();
    protected readonly hidden = new EventEmitter<void>();
    protected readonly buttonTriggered = new EventEmitter<unknown>();
    readonly onDidAccept = this.accepted.event;
    readonly onDidHide = this.hidden.event;
    readonly onDidTriggerButton = this.buttonTriggered.event;

    show(): void {
        this.visible = true;
        shown.fire(this as unknown as FakeWidget);
    }
    hide(): void {
        if (this.visible) {
            this.visible = false;
            this.hidden.fire();
        }
    }
    dispose(): void {
        this.disposed = true;
        this.hide();
    }
    /** The user presses Enter. */
    accept(): void {
        this.accepted.fire();
    }
    /** The user clicks the Back button. */
    back(): void {
        if (!this.buttons.includes(QuickInputButtons.Back)) {
            throw new Error('this step has no Back button');
        }
        this.buttonTriggered.fire(QuickInputButtons.Back);
    }
    /** The user clicks the button with this tooltip. */
    click(tooltip: string): void {
        const button = this.buttons.find((candidate) => (candidate as { tooltip?: string }).tooltip?.startsWith(tooltip));
        if (!button) {
            throw new Error(`this step has no button "${tooltip}"`);
        }
        this.buttonTriggered.fire(button);
    }
}

export class FakeInputBox extends FakeQuickInput {
    readonly kind = 'input';
    value = '';
    password = false;
    prompt: string | undefined;
    validationMessage: string | undefined;
    private readonly changed = new EventEmitter<string>();
    readonly onDidChangeValue = this.changed.event;
    /** The user replaces the text, one keystroke at a time; returns the messages seen while typing. */
    type(text: string): (string | undefined)[] {
        const seen: (string | undefined)[] = [];
        for (let end = 1; end <= text.length; end++) {
            this.value = text.slice(0, end);
            this.changed.fire(this.value);
            seen.push(this.validationMessage);
        }
        return seen;
    }
}

export interface FakeItem {
    label: string;
    value?: unknown;
    description?: string;
    kind?: QuickPickItemKind;
}

export class FakeQuickPick extends FakeQuickInput {
    readonly kind = 'pick';
    items: readonly FakeItem[] = [];
    canSelectMany = false;
    activeItems: readonly FakeItem[] = [];
    selectedItems: readonly FakeItem[] = [];
    /** The user moves to the item with this label and presses Enter. */
    choose(label: string): void {
        const item = this.item(label);
        this.activeItems = [item];
        this.selectedItems = [item];
        this.accept();
    }
    /** The user ticks exactly these items (multiselect) and presses Enter. */
    tick(...labels: string[]): void {
        this.selectedItems = labels.map((label) => this.item(label));
        this.accept();
    }
    private item(label: string): FakeItem {
        const item = this.items.find((candidate) => candidate.label === label);
        if (!item) {
            throw new Error(`no item ${label}`);
        }
        return item;
    }
}

export type FakeWidget = FakeInputBox | FakeQuickPick;

const shown = new EventEmitter<FakeWidget>();
const pendingWidgets: FakeWidget[] = [];
const widgetWaiters: ((widget: FakeWidget) => void)[] = [];
shown.event((widget) => {
    const waiter = widgetWaiters.shift();
    if (waiter) {
        waiter(widget);
    } else {
        pendingWidgets.push(widget);
    }
});

/** The next quick input the code under test shows. */
export function nextWidget(): Promise<FakeWidget> {
    const widget = pendingWidgets.shift();
    return widget ? Promise.resolve(widget) : new Promise((resolve) => widgetWaiters.push(resolve));
}

export const messages: { level: string; text: string; items: string[] }[] = [];
let messageAnswer: string | undefined;
/** The button the user clicks on the next notification. */
export function answerNextMessage(item: string | undefined): void {
    messageAnswer = item;
}
function message(level: string) {
    return (text: string, ...items: string[]) => {
        messages.push({ level, text, items });
        const answer = messageAnswer;
        messageAnswer = undefined;
        return Promise.resolve(answer);
    };
}

export const window = {
    createQuickPick: () => new FakeQuickPick(),
    createInputBox: () => new FakeInputBox(),
    showErrorMessage: message('error'),
    showWarningMessage: message('warning'),
    showInformationMessage: message('info'),
    createStatusBarItem: () => ({ text: '', tooltip: '', command: '', name: '', show() {}, hide() {}, dispose() {} }),
    activeTextEditor: undefined as unknown,
};

let settings: Record<string, unknown> = {};
const configurationChanged = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();

/** Replaces the user's settings (dotted keys with the `scion.` prefix) and fires the change event. */
export function setSettings(next: Record<string, unknown>): void {
    const changed = new Set([...Object.keys(settings), ...Object.keys(next)].filter((k) => settings[k] !== next[k]));
    settings = { ...next };
    configurationChanged.fire({
        affectsConfiguration: (section) => [...changed].some((key) => key === section || key.startsWith(`${section}.`)),
    });
}

export const workspace = {
    workspaceFolders: undefined as unknown,
    onDidChangeWorkspaceFolders: new EventEmitter<unknown>().event,
    getConfiguration: (section: string) => ({
        get: <T>(key: string): T | undefined => settings[`${section}.${key}`] as T | undefined,
    }),
    onDidChangeConfiguration: configurationChanged.event,
};

export const executedCommands: { command: string; args: unknown[] }[] = [];
export const commands = {
    executeCommand: (command: string, ...args: unknown[]) => {
        executedCommands.push({ command, args });
        return Promise.resolve(undefined);
    },
    registerCommand: () => ({ dispose() {} }),
};

export const env = {
    clipboard: {
        text: '',
        writeText(text: string) {
            env.clipboard.text = text;
            return Promise.resolve();
        },
    },
};

export const extensions = { getExtension: (): unknown => undefined };

export class CancellationTokenSource {
    private readonly emitter = new EventEmitter<void>();
    readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
    cancel(): void {
        this.token.isCancellationRequested = true;
        this.emitter.fire();
    }
}

/** VS Code's secret storage, in memory. */
export class FakeSecretStorage {
    readonly values = new Map<string, string>();
    private readonly changed = new EventEmitter<{ key: string }>();
    readonly onDidChange = this.changed.event;
    get(key: string): Promise<string | undefined> {
        return Promise.resolve(this.values.get(key));
    }
    store(key: string, value: string): Promise<void> {
        this.values.set(key, value);
        this.changed.fire({ key });
        return Promise.resolve();
    }
    delete(key: string): Promise<void> {
        this.values.delete(key);
        this.changed.fire({ key });
        return Promise.resolve();
    }
}
