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

type StepResult =
    { kind: 'answer'; value: unknown } | { kind: 'acceptRest'; value: unknown } | { kind: 'back' } | { kind: 'cancel' };

/** The button on every question that takes the proposals of it and every question after it. */
export const acceptRestButton: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('check-all'),
    tooltip: 'Accept the remaining proposals (Ctrl+Shift+Enter)',
};

/** The context key set while Scion asks, for the keybinding of `scion.acceptProposals`. */
export const ASKING_CONTEXT = 'scion.askingQuestions';

/** What `scion.acceptProposals` triggers: the open question's "accept the remaining proposals". */
let acceptRestOfOpenStep: (() => void) | undefined;

/** Runs the open question's "accept the remaining proposals", as its button does. */
export function acceptRemainingProposals(): void {
    acceptRestOfOpenStep?.();
}

interface Step {
    title: string;
    index: number;
    total: number;
    /** The answer to pre-fill: the user's earlier answer when they came back, else the default. */
    prefill: unknown;
    token?: vscode.CancellationToken;
}

/**
 * Asks the questions one after the other, each pre-filled with its proposal. Back
 * returns to the previous question with its answer kept; "accept the remaining
 * proposals" (a button, or Ctrl+Shift+Enter) takes the proposals of the open
 * question and every later one. With more than one question, the answers are
 * reviewed in one list before generating (Enter generates; picking an answer
 * changes it). Escape (or the server cancelling) returns null.
 */
export async function askQuestions(params: AskParams, token?: vscode.CancellationToken): Promise<Answers | null> {
    const questions = params.questions ?? [];
    const title = params.title || params.templateId;
    const review = questions.length > 1;
    const total = questions.length + (review ? 1 : 0);
    const answers: Answers = {};
    await vscode.commands.executeCommand('setContext', ASKING_CONTEXT, true);
    try {
        let index = 0;
        while (index < questions.length) {
            const question = questions[index];
            const prefill = question.name in answers ? answers[question.name] : question.default;
            const result = await askOne(question, { title, index, total, prefill, token }, true);
            if (result.kind === 'cancel') {
                return null;
            }
            if (result.kind === 'back') {
                index = Math.max(0, index - 1);
                continue;
            }
            answers[question.name] = result.value;
            index += 1;
            // The proposals of the questions after it, up to one that has none: that one is asked.
            while (result.kind === 'acceptRest' && index < questions.length) {
                const later = questions[index];
                const proposal = later.name in answers ? answers[later.name] : later.default;
                if (proposal === undefined || proposal === null) {
                    break;
                }
                answers[later.name] = proposal;
                index += 1;
            }
        }
        return review
            ? await reviewAnswers(questions, answers, { title, index: total - 1, total, prefill: undefined, token })
            : answers;
    } finally {
        await vscode.commands.executeCommand('setContext', ASKING_CONTEXT, false);
    }
}

interface ReviewItem extends vscode.QuickPickItem {
    question?: AskQuestion;
}

/** One list of every answer: Enter on the first entry generates, an answer opens its question again. */
async function reviewAnswers(questions: AskQuestion[], answers: Answers, step: Step): Promise<Answers | null> {
    let active: string | undefined;
    for (;;) {
        const generate: ReviewItem = {
            label: '$(check) Generate with these answers',
            description: `${questions.length} answers`,
        };
        const items: ReviewItem[] = [
            generate,
            { label: 'Answers', kind: vscode.QuickPickItemKind.Separator },
            ...questions.map((question) => ({
                label: question.name,
                description: displayed(question, answers[question.name]),
                detail: question.help ?? undefined,
                question,
            })),
        ];
        const quickPick = vscode.window.createQuickPick<ReviewItem>();
        quickPick.items = items;
        quickPick.placeholder = 'Enter generates; pick an answer to change it';
        quickPick.matchOnDescription = true;
        quickPick.activeItems = [items.find((item) => item.question?.name === active) ?? generate];
        const chosen = await run(quickPick, step, false, (finish) => {
            quickPick.onDidAccept(() => {
                const item = quickPick.activeItems[0];
                if (item) {
                    finish({ kind: 'answer', value: item });
                }
            });
        });
        if (chosen.kind !== 'answer') {
            return null;
        }
        const question = (chosen.value as ReviewItem).question;
        if (!question) {
            return answers;
        }
        const changed = await askOne(
            question,
            { ...step, index: questions.indexOf(question), prefill: answers[question.name] },
            false,
        );
        if (changed.kind === 'answer') {
            answers[question.name] = changed.value;
        }
        active = question.name;
    }
}

/** An answer as the review shows it: choice labels rather than values, secrets hidden. */
function displayed(question: AskQuestion, value: unknown): string {
    if (question.secret) {
        return value ? '••••••' : '';
    }
    const labelOf = (item: unknown) => question.choices?.find((choice) => sameValue(choice.value, item))?.label;
    if (question.choices && question.choices.length > 0) {
        const values = Array.isArray(value) && question.multiselect ? value : [value];
        return values.map((item) => labelOf(item) ?? textOf(item)).join(', ');
    }
    if (question.type === 'bool') {
        return value ? 'Yes' : 'No';
    }
    return textOf(value);
}

function askOne(question: AskQuestion, step: Step, inFlow: boolean): Promise<StepResult> {
    if (question.choices && question.choices.length > 0) {
        return pick(question, step, question.choices, inFlow);
    }
    if (question.type === 'bool') {
        return pick(
            question,
            step,
            [
                { label: 'Yes', value: true },
                { label: 'No', value: false },
            ],
            inFlow,
        );
    }
    return input(question, step, inFlow);
}

interface ChoiceItem extends vscode.QuickPickItem {
    value: unknown;
}

function sameValue(a: unknown, b: unknown): boolean {
    return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function pick(
    question: AskQuestion,
    step: Step,
    choices: { label: string; value: unknown }[],
    inFlow: boolean,
): Promise<StepResult> {
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
    const current = (): { value: unknown } | undefined => {
        if (question.multiselect) {
            return { value: quickPick.selectedItems.map((item) => item.value) };
        }
        const chosen = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
        return chosen ? { value: chosen.value } : undefined;
    };
    return run(quickPick, step, inFlow, (finish) => {
        quickPick.onDidAccept(() => {
            const answer = current();
            if (answer) {
                finish({ kind: 'answer', value: answer.value });
            }
        });
        return () => current()?.value ?? step.prefill;
    });
}

function input(question: AskQuestion, step: Step, inFlow: boolean): Promise<StepResult> {
    const inputBox = vscode.window.createInputBox();
    inputBox.value = textOf(step.prefill);
    inputBox.password = Boolean(question.secret);
    inputBox.prompt = question.help || question.name;
    inputBox.placeholder = question.placeholder ?? undefined;
    inputBox.validationMessage = validateInput(question.type, inputBox.value);
    return run(inputBox, step, inFlow, (finish) => {
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
        // What the box holds when it is valid, else the proposal it opened with.
        return () => (validateInput(question.type, inputBox.value) ? step.prefill : parseInput(question.type, inputBox.value));
    });
}

/**
 * Shows a quick input as one step of the flow and resolves once: with the
 * answer, with back, with "accept the remaining proposals" (in the flow of
 * questions; `wire` returns the step's answer for it), or with cancel when it
 * is hidden any other way.
 */
function run<T extends vscode.QuickPickItem>(
    widget: vscode.QuickPick<T> | vscode.InputBox,
    step: Step,
    inFlow: boolean,
    wire: (finish: (result: StepResult) => void) => (() => unknown) | void,
): Promise<StepResult> {
    return new Promise((resolve) => {
        let done = false;
        const disposables: vscode.Disposable[] = [];
        const finish = (result: StepResult) => {
            if (done) {
                return;
            }
            done = true;
            if (acceptRestOfOpenStep === acceptRest) {
                acceptRestOfOpenStep = undefined;
            }
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
        const back = inFlow && step.index > 0 ? [vscode.QuickInputButtons.Back] : [];
        widget.buttons = inFlow && step.index + 1 < step.total ? [...back, acceptRestButton] : back;
        const answerNow = wire(finish);
        const acceptRest = () => finish({ kind: 'acceptRest', value: answerNow ? answerNow() : step.prefill });
        if (inFlow) {
            acceptRestOfOpenStep = acceptRest;
        }
        disposables.push(
            widget.onDidTriggerButton((button) => {
                if (button === vscode.QuickInputButtons.Back) {
                    finish({ kind: 'back' });
                } else if (button === acceptRestButton) {
                    acceptRest();
                }
            }),
            widget.onDidHide(() => finish({ kind: 'cancel' })),
        );
        if (step.token) {
            disposables.push(step.token.onCancellationRequested(() => finish({ kind: 'cancel' })));
        }
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
