"""Simulated learners for bench/bench_load.py (not run on its own).

Each simulated learner signs in with its own session cookie and repeats the
journey: read the next lesson (and mark it complete), open the next quiz not
yet passed, save its answers one by one as a person clicks them (autosave),
submit, and view the dashboard. 70% of the attempts answer everything
right, the rest everything wrong, so learners retry quizzes and some finish the
course, submit the evaluation and get a certificate from the worker. A
learner with a certificate then downloads its PDF and credential, opens its
public verification page (as anyone scanning the QR code would) and claims
CE credit once; every loop also searches the public certification registry.
Each simulated learner sends its own client address (X-Forwarded-For, which
the production settings trust from one proxy), so per-address rate limits
count each learner apart, as they would for real visitors.

BENCH_LOAD_CONFIG names the JSON written by bench_load.py (sessions, lesson
and quiz ids, right and wrong choices, the credit offering, registry names);
at the end the ids of every attempt whose submission was accepted, and who
evaluated and claimed credit, are written to BENCH_LOAD_SUBMITTED.
"""

import json
import os
import random
from pathlib import Path

import gevent
from locust import HttpUser, SequentialTaskSet, between, events, task

CONFIG = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text())
SESSIONS = iter(CONFIG["sessions"])
PASS_RATE = 0.7
SUBMITTED = []
EVALUATED = []
CLAIMED = []


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    Path(os.environ["BENCH_LOAD_SUBMITTED"]).write_text(
        json.dumps({"attempts": SUBMITTED, "evaluated": EVALUATED, "claimed": CLAIMED})
    )


class Journey(SequentialTaskSet):
    def on_start(self):
        self.lessons_done = set()
        self.passed = set()
        self.evaluated = False
        self.claimed = False
        self.attempt = None

    def csrf(self):
        return self.client.cookies.get("csrftoken", "")

    def post(self, url, name, expect, **kwargs):
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.user.host + url}
        with self.client.post(
            url, name=name, headers=headers, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code != expect:
                response.failure(f"expected {expect}, got {response.status_code}")
            return response

    @task
    def read_lesson(self):
        unread = [lesson for lesson in CONFIG["lessons"] if lesson["id"] not in self.lessons_done]
        lesson = unread[0] if unread else random.choice(CONFIG["lessons"])
        self.client.get(lesson["url"], name="lesson page")
        if unread:
            self.post(f"/learning/lessons/{lesson['id']}/complete/", "lesson complete", 302, data={})
            self.lessons_done.add(lesson["id"])

    @task
    def open_quiz(self):
        self.attempt = None
        quiz = next((q for q in CONFIG["quizzes"] if q["id"] not in self.passed), None)
        if quiz is None:
            return
        response = self.post(f"/quizzes/{quiz['id']}/start/", "quiz start", 302, data={})
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/quizzes/attempts/"):
            self.client.get(location, name="attempt page")
            self.attempt = {
                "id": int(location.rstrip("/").split("/")[-1]),
                "quiz": quiz,
                "right": random.random() < PASS_RATE,
            }

    @task
    def save_answers(self):
        if not self.attempt:
            return
        key = "right" if self.attempt["right"] else "wrong"
        for question in self.attempt["quiz"]["questions"]:
            gevent.sleep(random.uniform(0.3, 1.0))  # a person choosing an answer
            self.post(
                f"/quizzes/attempts/{self.attempt['id']}/answer/",
                "answer save",
                200,
                json={"question_id": question["id"], "choice_ids": question[key]},
            )

    @task
    def submit(self):
        if not self.attempt:
            return
        key = "right" if self.attempt["right"] else "wrong"
        data = [("csrfmiddlewaretoken", self.csrf())]
        data += [(f"q_{q['id']}", c) for q in self.attempt["quiz"]["questions"] for c in q[key]]
        response = self.post(f"/quizzes/attempts/{self.attempt['id']}/submit/", "quiz submit", 303, data=data)
        if response.status_code == 303:
            SUBMITTED.append(self.attempt["id"])
            if self.attempt["right"]:
                self.passed.add(self.attempt["quiz"]["id"])
        self.attempt = None
        done = len(self.lessons_done) == len(CONFIG["lessons"]) and len(self.passed) == len(CONFIG["quizzes"])
        if done and not self.evaluated:
            data = {"csrfmiddlewaretoken": self.csrf(), "relevance": "5", "comments": ""}
            response = self.post(CONFIG["evaluation_url"], "evaluation submit", 302, data=data)
            self.evaluated = response.status_code == 302
            if self.evaluated:
                EVALUATED.append(self.user.email)

    @task
    def certificate_and_credit(self):
        if not self.evaluated or self.claimed:
            return
        response = self.client.get(CONFIG["status_url"], name="certificate status")
        body = response.json() if response.status_code == 200 else {}
        if body.get("status") != "issued":
            return  # still being prepared: look again on the next loop
        self.client.get(body["download_url"], name="certificate PDF")
        self.client.get(body["credential_url"], name="credential download")
        self.client.get(body["verify_url"], name="certificate verification")
        self.client.get(CONFIG["claim_url"], name="credit claim page")
        data = {
            "csrfmiddlewaretoken": self.csrf(),
            "offering": CONFIG["offering_id"],
            "hours": CONFIG["max_hours"],
            "license_number": "PSY-123456",
            "license_jurisdiction": "Oregon",
            "attested": "on",
        }
        self.claimed = self.post(CONFIG["claim_url"], "credit claim", 302, data=data).status_code == 302
        if self.claimed:
            CLAIMED.append(self.user.email)

    @task
    def registry(self):
        name = random.choice(CONFIG["registry_names"])
        self.client.get("/certification/registry/", params={"name": name}, name="registry search")

    @task
    def dashboard(self):
        self.client.get("/learning/", name="dashboard")


class Learner(HttpUser):
    wait_time = between(1, 3)  # a person's pause between steps
    tasks = [Journey]

    def on_start(self):
        account = next(SESSIONS)
        self.email = account["email"]
        self.client.cookies.set("sessionid", account["session"])
        self.client.headers["X-Forwarded-For"] = account["address"]
