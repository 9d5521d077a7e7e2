import * as vscode from 'vscode';

/** One question of a `scion/ask` request (docs/internals.md, "The LSP contract"). */
export interface AskQuestion {
    name: string;
    type: string;
    help?: string | null;
    choices?: { label: string; value: unknown }[] | null;
    default?: unknown;
    secret?: boolean;
    multiselect?: boolean;
    placeholder?: string | null;
}

export interface AskParams {
    title: string;
    templateId: string;
    questions: AskQuestion[];
}

export type Answers = Record<string, unknown>;

type StepResult = { kind: 'answer'; value: unknown } | { kind: 'back' } | { kind: 'cancel' };

interface Step {
    title: string;
    index: number;
    total: number;
    /** The answer to pre-fill: the user's earlier answer when they came back, else the default. */
    prefill: unknown;
    token?: vscode.CancellationToken;
}

/**
 * Asks the questions one after the other. Back returns to the previous
 * question with its answer kept; Escape (or the server cancelling) returns null.
 */
export async function askQuestions(params: AskParams, token?: vscode.CancellationToken): Promise<Answers | null> {
    const answers: Answers = {};
    const questions = params.questions ?? [];
    let index = 0;
    while (index < questions.length) {
        const question = questions[index];
        const prefill = question.name in answers ? answers[question.name] : question.default;
        const title = params.title || params.templateId;
        const result = await askOne(question, { title, index, total: questions.length, prefill, token });
        if (result.kind === 'cancel') {
            return null;
        }
        if (result.kind === 'back') {
            index = Math.max(0, index - 1);
            continue;
        }
        answers[question.name] = result.value;
        index += 1;
    }
    return answers;
}

function askOne(question: AskQuestion, step: Step): Promise<StepResult> {
    if (question.choices && question.choices.length > 0) {
        return pick(question, step, question.choices);
    }
    if (question.type === 'bool') {
        return pick(question, step, [
            { label: 'Yes', value: true },
            { label: 'No', value: false },
        ]);
    }
    return input(question, step);
}

interface ChoiceItem extends vscode.QuickPickItem {
    value: unknown;
}

function sameValue(a: unknown, b: unknown): boolean {
    return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function pick(question: AskQuestion, step: Step, choices: { label: string; value: unknown }[]): Promise<StepResult> {
    const quickPick = vscode.window.createQuickPick<ChoiceItem>();
    const items: ChoiceItem[] = choices.map((choice) => ({ label: String(choice.label), value: choice.value }));
    quickPick.items = items;
    quickPick.canSelectMany = Boolean(question.multiselect);
    quickPick.placeholder = question.help || question.placeholder || question.name;
    if (question.multiselect) {
        const selected = Array.isArray(step.prefill) ? step.prefill : [];
        quickPick.selectedItems = items.filter((item) => selected.some((value) => sameValue(value, item.value)));
    } else {
        const active = items.find((item) => sameValue(item.value, step.prefill));
        if (active) {
            quickPick.activeItems = [active];
        }
    }
    return run(quickPick, step, (finish) => {
        quickPick.onDidAccept(() => {
            if (question.multiselect) {
                finish({ kind: 'answer', value: quickPick.selectedItems.map((item) => item.value) });
                return;
            }
            const chosen = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
            if (chosen) {
                finish({ kind: 'answer', value: chosen.value });
            }
        });
    });
}

function input(question: AskQuestion, step: Step): Promise<StepResult> {
    const inputBox = vscode.window.createInputBox();
    inputBox.value = textOf(step.prefill);
    inputBox.password = Boolean(question.secret);
    inputBox.prompt = question.help || question.name;
    inputBox.placeholder = question.placeholder ?? undefined;
    inputBox.validationMessage = validateInput(question.type, inputBox.value);
    return run(inputBox, step, (finish) => {
        inputBox.onDidChangeValue((value) => {
            inputBox.validationMessage = validateInput(question.type, value);
        });
        inputBox.onDidAccept(() => {
            const problem = validateInput(question.type, inputBox.value);
            inputBox.validationMessage = problem;
            if (!problem) {
                finish({ kind: 'answer', value: parseInput(question.type, inputBox.value) });
            }
        });
    });
}

/**
 * Shows a quick input as one step of the flow and resolves once: with the
 * answer, with back, or with cancel when it is hidden any other way.
 */
function run(
    widget: vscode.QuickPick<ChoiceItem> | vscode.InputBox,
    step: Step,
    wire: (finish: (result: StepResult) => void) => void,
): Promise<StepResult> {
    return new Promise((resolve) => {
        let done = false;
        const disposables: vscode.Disposable[] = [];
        const finish = (result: StepResult) => {
            if (done) {
                return;
            }
            done = true;
            for (const disposable of disposables) {
                disposable.dispose();
            }
            widget.dispose();
            resolve(result);
        };
        widget.title = step.title;
        widget.step = step.index + 1;
        widget.totalSteps = step.total;
        widget.ignoreFocusOut = true;
        widget.buttons = step.index > 0 ? [vscode.QuickInputButtons.Back] : [];
        disposables.push(
            widget.onDidTriggerButton((button) => {
                if (button === vscode.QuickInputButtons.Back) {
                    finish({ kind: 'back' });
                }
            }),
            widget.onDidHide(() => finish({ kind: 'cancel' })),
        );
        if (step.token) {
            disposables.push(step.token.onCancellationRequested(() => finish({ kind: 'cancel' })));
        }
        wire(finish);
        widget.show();
    });
}

function textOf(value: unknown): string {
    if (typeof value === 'string') {
        return value;
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
        return String(value);
    }
    return value === undefined || value === null ? '' : JSON.stringify(value);
}

/** The message shown under the input box while the text is not valid for the question's type. */
export function validateInput(type: string, text: string): string | undefined {
    const trimmed = text.trim();
    if (type === 'int' && !/^[-+]?\d+$/.test(trimmed)) {
        return 'Enter a whole number, like 42.';
    }
    if (type === 'float' && (trimmed === '' || !Number.isFinite(Number(trimmed)))) {
        return 'Enter a number, like 0.5.';
    }
    if (type === 'json') {
        try {
            JSON.parse(trimmed);
        } catch {
            return 'Enter valid JSON, like {"key": 1}.';
        }
    }
    return undefined;
}

/** The answer for valid text: numbers and JSON parsed, everything else as typed. */
export function parseInput(type: string, text: string): unknown {
    switch (type) {
        case 'int':
            return Number.parseInt(text.trim(), 10);
        case 'float':
            return Number(text.trim());
        case 'json':
            return JSON.parse(text.trim());
        default:
            return text;
    }
}
