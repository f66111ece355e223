"""Item rules in the database.

First every active item whose choices do not fit its type is made inactive
(it could only ever be marked wrong), then, on PostgreSQL, a deferred
constraint trigger refuses at commit any transaction that leaves an active
item breaking the rules of quizzes/item_rules.py: single needs >= 3 choices
with exactly one correct; true/false exactly "True" and "False" with one
correct; select-all >= 3 choices with >= 1 correct and >= 1 incorrect.
Deferred, because a question and its choices are written row by row.
SQLite (the development default) relies on the admin form and services.
"""

from django.db import migrations

CHECK_SQL = r"""
CREATE OR REPLACE FUNCTION quizzes_item_rules_check(qid bigint) RETURNS void AS $$
DECLARE
    q record;
    n integer;
    n_correct integer;
    texts text[];
BEGIN
    SELECT id, key, type, active INTO q FROM quizzes_question WHERE id = qid;
    IF NOT FOUND OR NOT q.active THEN
        RETURN;
    END IF;
    SELECT count(*), count(*) FILTER (WHERE is_correct), array_agg(btrim(text) ORDER BY btrim(text))
      INTO n, n_correct, texts
      FROM quizzes_choice WHERE question_id = qid;
    IF q.type = 'true_false' THEN
        IF texts IS DISTINCT FROM ARRAY['False', 'True'] OR n_correct <> 1 THEN
            RAISE EXCEPTION 'item %: choices: a true/false item has exactly the choices True and False, one correct', q.key
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF q.type = 'single' THEN
        IF n < 3 OR n_correct <> 1 THEN
            RAISE EXCEPTION 'item %: choices: a single-answer item needs at least 3 choices with exactly one correct', q.key
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF q.type = 'multiple' THEN
        IF n < 3 OR n_correct < 1 OR n_correct = n THEN
            RAISE EXCEPTION 'item %: choices: a select-all item needs at least 3 choices, at least one correct and one incorrect', q.key
                USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        RAISE EXCEPTION 'item %: type: unknown item type %', q.key, q.type USING ERRCODE = 'check_violation';
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION quizzes_question_rules_trg() RETURNS trigger AS $$
BEGIN
    PERFORM quizzes_item_rules_check(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION quizzes_choice_rules_trg() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM quizzes_item_rules_check(OLD.question_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM quizzes_item_rules_check(NEW.question_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER quizzes_question_rules
    AFTER INSERT OR UPDATE ON quizzes_question
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION quizzes_question_rules_trg();

CREATE CONSTRAINT TRIGGER quizzes_choice_rules
    AFTER INSERT OR UPDATE OR DELETE ON quizzes_choice
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION quizzes_choice_rules_trg();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS quizzes_choice_rules ON quizzes_choice;
DROP TRIGGER IF EXISTS quizzes_question_rules ON quizzes_question;
DROP FUNCTION IF EXISTS quizzes_choice_rules_trg();
DROP FUNCTION IF EXISTS quizzes_question_rules_trg();
DROP FUNCTION IF EXISTS quizzes_item_rules_check(bigint);
"""


def deactivate_broken_items(apps, schema_editor):
    from quizzes.item_rules import item_problems

    Question = apps.get_model("quizzes", "Question")
    Choice = apps.get_model("quizzes", "Choice")
    for question in Question.objects.using(schema_editor.connection.alias).filter(active=True):
        choices = Choice.objects.using(schema_editor.connection.alias).filter(question_id=question.pk)
        if item_problems(type=question.type, choices=choices):
            question.active = False
            question.save(update_fields=["active"])


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CHECK_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0001_initial")]

    operations = [
        migrations.RunPython(deactivate_broken_items, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
