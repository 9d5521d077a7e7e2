import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    acceptRemainingProposals,
    acceptRestButton,
    askQuestions,
    parseInput,
    validateInput,
    type AskParams,
    type AskQuestion,
} from '../src/common/ask';
import { CancellationTokenSource, FakeInputBox, FakeQuickPick, QuickInputButtons, nextWidget } from './fake-vscode';

const GENERATE = '$(check) Generate with these answers';

/** The dataclass template's eight questions, as the server asks them for src/shop/order_item.py. */
const DATACLASS: AskQuestion[] = [
    { name: 'class_name', type: 'str', default: 'OrderItem', help: 'Name of the class' },
    { name: 'fields', type: 'str', default: 'id: int, name: str', help: 'Fields' },
    { name: 'frozen', type: 'bool', default: false },
    { name: 'order', type: 'bool', default: false },
    { name: 'slots', type: 'bool', default: true },
    { name: 'kw_only', type: 'bool', default: false },
    { name: 'docstring', type: 'str', default: '' },
    { name: 'add_import', type: 'bool', default: true },
];
const DATACLASS_DEFAULTS = Object.fromEntries(DATACLASS.map((question) => [question.name, question.default]));

function ask(...questions: AskQuestion[]): AskParams {
    return { title: 'Python dataclass', templateId: 'python/dataclass', questions };
}

async function nextInput(): Promise<FakeInputBox> {
    const widget = await nextWidget();
    assert.ok(widget instanceof FakeInputBox, `expected an input box, got a ${widget.kind}`);
    return widget;
}

async function nextPick(): Promise<FakeQuickPick> {
    const widget = await nextWidget();
    assert.ok(widget instanceof FakeQuickPick, `expected a quick pick, got a ${widget.kind}`);
    return widget;
}

describe('scion/ask', () => {
    it('pre-fills a text question with its default and returns it on Enter', async () => {
        const answers = askQuestions(ask({ name: 'class_name', type: 'str', default: 'Order', help: 'Name of the class' }));
        const box = await nextInput();
        assert.equal(box.value, 'Order');
        assert.equal(box.prompt, 'Name of the class');
        assert.equal(box.title, 'Python dataclass');
        assert.deepEqual([box.step, box.totalSteps], [1, 1]);
        assert.deepEqual(box.buttons, [], 'no Back button on the first step');
        box.accept();
        assert.deepEqual(await answers, { class_name: 'Order' });
        assert.ok(box.disposed);
    });

    it('validates a number as the user types and returns a number', async () => {
        const answers = askQuestions(ask({ name: 'retries', type: 'int', default: 3 }));
        const box = await nextInput();
        assert.equal(box.value, '3');
        assert.equal(box.validationMessage, undefined);
        const seen = box.type('4x');
        assert.equal(seen[0], undefined, '"4" is fine');
        assert.match(seen[1] ?? '', /whole number/, '"4x" is not');
        box.accept();
        assert.ok(box.visible, 'Enter on an invalid number keeps the box open');
        box.type('42');
        assert.equal(box.validationMessage, undefined);
        box.accept();
        assert.deepEqual(await answers, { retries: 42 });
    });

    it('accepts floats and JSON, rejecting what does not parse', async () => {
        assert.equal(validateInput('float', '0.25'), undefined);
        assert.match(validateInput('float', '') ?? '', /number/);
        assert.match(validateInput('float', 'abc') ?? '', /number/);
        assert.match(validateInput('int', '1.5') ?? '', /whole number/);
        assert.match(validateInput('json', '{"a":') ?? '', /JSON/);
        assert.equal(validateInput('str', ''), undefined);
        assert.equal(parseInput('float', ' 0.25 '), 0.25);
        assert.deepEqual(parseInput('json', '{"a": [1]}'), { a: [1] });
        assert.equal(parseInput('yaml', 'a: 1'), 'a: 1');

        const answers = askQuestions(
            ask({ name: 'ratio', type: 'float', default: 0.5 }, { name: 'extra', type: 'json', default: { a: 1 } }),
        );
        (await nextInput()).accept();
        const json = await nextInput();
        assert.equal(json.value, '{"a":1}');
        json.type('[1, 2]');
        json.accept();
        (await nextPick()).choose(GENERATE);
        assert.deepEqual(await answers, { ratio: 0.5, extra: [1, 2] });
    });

    it('asks a secret in a password box', async () => {
        const answers = askQuestions(ask({ name: 'token', type: 'str', secret: true, placeholder: 'ghp_…' }));
        const box = await nextInput();
        assert.equal(box.password, true);
        assert.equal(box.placeholder, 'ghp_…');
        box.type('s3cret');
        box.accept();
        assert.deepEqual(await answers, { token: 's3cret' });
    });

    it('offers Yes/No for a bool with the default active', async () => {
        const answers = askQuestions(ask({ name: 'frozen', type: 'bool', default: false }));
        const pick = await nextPick();
        assert.deepEqual(
            pick.items.map((item) => item.label),
            ['Yes', 'No'],
        );
        assert.deepEqual(
            pick.activeItems.map((item) => item.label),
            ['No'],
        );
        pick.accept();
        assert.deepEqual(await answers, { frozen: false });
    });

    it('offers choices with the default active and returns the chosen value', async () => {
        const choices = [
            { label: 'SQLite', value: 'sqlite' },
            { label: 'PostgreSQL', value: 'postgres' },
        ];
        const answers = askQuestions(ask({ name: 'db', type: 'str', choices, default: 'postgres' }));
        const pick = await nextPick();
        assert.equal(pick.canSelectMany, false);
        assert.deepEqual(
            pick.activeItems.map((item) => item.label),
            ['PostgreSQL'],
        );
        pick.choose('SQLite');
        assert.deepEqual(await answers, { db: 'sqlite' });
    });

    it('ticks the defaults of a multiselect and returns the ticked values', async () => {
        const choices = [
            { label: 'eq', value: 'eq' },
            { label: 'order', value: 'order' },
            { label: 'slots', value: 'slots' },
        ];
        const answers = askQuestions(ask({ name: 'options', type: 'str', choices, multiselect: true, default: ['eq', 'slots'] }));
        const pick = await nextPick();
        assert.equal(pick.canSelectMany, true);
        assert.deepEqual(
            pick.selectedItems.map((item) => item.label),
            ['eq', 'slots'],
        );
        pick.tick('order');
        assert.deepEqual(await answers, { options: ['order'] });
    });

    it('goes back to the previous question with its answer kept', async () => {
        const answers = askQuestions(
            ask({ name: 'class_name', type: 'str', default: 'Order' }, { name: 'frozen', type: 'bool', default: true }),
        );
        const first = await nextInput();
        first.type('Invoice');
        first.accept();
        const second = await nextPick();
        assert.deepEqual([second.step, second.totalSteps], [2, 3], 'two questions, then the review');
        assert.deepEqual(second.buttons, [QuickInputButtons.Back, acceptRestButton]);
        second.back();
        const again = await nextInput();
        assert.equal(again.value, 'Invoice', 'the earlier answer, not the default');
        again.type('Receipt');
        again.accept();
        const secondAgain = await nextPick();
        assert.deepEqual(
            secondAgain.activeItems.map((item) => item.label),
            ['Yes'],
        );
        secondAgain.choose('No');
        (await nextPick()).choose(GENERATE);
        assert.deepEqual(await answers, { class_name: 'Receipt', frozen: false });
    });

    it('returns null when the user escapes, even after answering some', async () => {
        const answers = askQuestions(ask({ name: 'a', type: 'str', default: 'x' }, { name: 'b', type: 'str' }));
        (await nextInput()).accept();
        const second = await nextInput();
        second.hide();
        assert.equal(await answers, null);
        assert.ok(second.disposed);
    });

    it('returns null when the server cancels the request', async () => {
        const source = new CancellationTokenSource();
        const answers = askQuestions(ask({ name: 'a', type: 'str' }), source.token);
        const box = await nextInput();
        source.cancel();
        assert.equal(await answers, null);
        assert.ok(box.disposed);
    });

    it('accepts the remaining proposals from the first question: two keystrokes for eight questions', async () => {
        const answers = askQuestions(ask(...DATACLASS));
        const first = await nextInput();
        assert.deepEqual(first.buttons, [acceptRestButton], 'no Back on the first step');
        acceptRemainingProposals(); // Ctrl+Shift+Enter, the button's keybinding
        const review = await nextPick();
        assert.deepEqual([review.step, review.totalSteps], [9, 9]);
        assert.deepEqual(
            review.activeItems.map((item) => item.label),
            [GENERATE],
        );
        assert.deepEqual(
            review.items
                .filter((item) => item.description !== undefined && item.label !== GENERATE)
                .map((item) => `${item.label}=${item.description}`),
            [
                'class_name=OrderItem',
                'fields=id: int, name: str',
                'frozen=No',
                'order=No',
                'slots=Yes',
                'kw_only=No',
                'docstring=',
                'add_import=Yes',
            ],
        );
        review.accept(); // Enter on "Generate"
        assert.deepEqual(await answers, DATACLASS_DEFAULTS);
    });

    it('keeps what was typed in the open question when accepting the rest', async () => {
        const answers = askQuestions(ask(...DATACLASS));
        (await nextInput()).accept();
        const fields = await nextInput();
        fields.type('sku: str');
        fields.click('Accept the remaining proposals');
        (await nextPick()).choose(GENERATE);
        assert.deepEqual(await answers, { ...DATACLASS_DEFAULTS, fields: 'sku: str' });
    });

    it('the review changes one answer and comes back to the list', async () => {
        const answers = askQuestions(ask(...DATACLASS));
        (await nextInput()).click('Accept the remaining proposals');
        (await nextPick()).choose('frozen');
        const frozen = await nextPick();
        assert.deepEqual(frozen.buttons, [], 'a single question from the review: no Back, no accept-all');
        frozen.choose('Yes');
        const review = await nextPick();
        assert.deepEqual(
            review.activeItems.map((item) => item.label),
            ['frozen'],
            'back on the answer just changed',
        );
        review.choose(GENERATE);
        assert.deepEqual(await answers, { ...DATACLASS_DEFAULTS, frozen: true });
    });

    it('a question without a proposal is still asked after accepting the rest', async () => {
        const answers = askQuestions(
            ask({ name: 'a', type: 'str', default: 'x' }, { name: 'owner', type: 'str' }, { name: 'c', type: 'int', default: 1 }),
        );
        (await nextInput()).click('Accept the remaining proposals');
        const owner = await nextInput();
        assert.equal(owner.value, '');
        owner.type('me');
        owner.accept();
        (await nextInput()).accept();
        (await nextPick()).choose(GENERATE);
        assert.deepEqual(await answers, { a: 'x', owner: 'me', c: 1 });
    });

    it('escaping the review cancels', async () => {
        const answers = askQuestions(ask(...DATACLASS.slice(0, 2)));
        (await nextInput()).accept();
        (await nextInput()).accept();
        (await nextPick()).hide();
        assert.equal(await answers, null);
    });

    it('answers an empty question list at once', async () => {
        assert.deepEqual(await askQuestions(ask()), {});
    });
});
