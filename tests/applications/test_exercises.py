"""The exercise kit: the grader passes a correct solution, fails the usual
mistakes with the right hint, reports an untouched stub as not done; the stubs
contain no solution; the command's exit codes."""

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npae.cli import main
from npae.exercises import EXERCISES, get_exercise
from npae.exercises.grader import format_report, grade, load_student

SOLUTIONS = Path(__file__).parent.parent / "exercise_solutions"


def run_grader(name, path):
    module, problem = load_student(path)
    assert problem is None, problem
    results = grade(get_exercise(name).PARTS, module, path)
    return results, format_report(name, results, path)


@pytest.mark.parametrize("name", EXERCISES)
def test_a_correct_solution_passes(name):
    results, report = run_grader(name, SOLUTIONS / f"{name}.py")
    assert [r.status for r in results] == ["pass"] * len(results), report
    assert "PASSED" in report and "NOT PASSED" not in report


@pytest.mark.parametrize("name", EXERCISES)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(1, 2 ** 32 - 1))
def test_a_correct_solution_passes_on_an_instructors_seed(name, seed):
    path = SOLUTIONS / f"{name}.py"
    module, _ = load_student(path)
    results = grade(get_exercise(name).PARTS, module, path, seed=seed)
    report = format_report(name, results, path)
    assert [r.status for r in results] == ["pass"] * len(results), report


#: (exercise, text of the solution, the mistake, a phrase of the hint expected)
MISTAKES = [
    ("activations", "return h * (1.0 - h)", "return a * (1.0 - a)", "not a"),
    ("activations", "1.0 - h ** 2", "1.0 - h", "not 1 − h"),
    ("activations", "return (a > 0).astype(float)", "return np.maximum(a, 0.0)",
     "you returned f(a)"),
    ("losses", "0.5 * np.sum(diff ** 2) / n", "np.sum(diff ** 2) / n", "the ½ of the squared"),
    ("losses", "0.5 * np.sum(diff ** 2) / n", "0.5 * np.sum(diff ** 2)", "a sum over the samples"),
    ("losses", "(1.0 / (1.0 + np.exp(-logits)) - X) / n", "(logits - X) / n",
     "you used the logits a where"),
    ("losses", "diff / n", "-diff / n", "sign"),
    ("dense_backward", "X.T @ dA", "dA.T @ X", "the transpose of dW"),
    ("dense_backward", "np.sum(dA, axis=0)", "np.mean(dA, axis=0)", "a mean over the samples"),
    ("dense_backward", "dA @ W.T", "dA @ W", "you multiplied dA by W"),
    ("dense_backward", "np.sum(dA, axis=0)", "np.sum(dA, axis=0, keepdims=True)", "keepdims"),
    ("dense_backward", "np.sum(dA, axis=0)", "np.sum(dA, axis=1)", "not over the units"),
    ("dense_backward", "np.sum(dA, axis=0)", "dA", "you returned dA itself"),
    ("review_example", "np.sum((X - X_hat) ** 2) / X.shape[0]", "np.sum((X - X_hat) ** 2)",
     "divide by n"),
    ("review_example", " * Z * (1.0 - Z)", "", "derivative f'(a) is missing"),
    ("review_example", "p - learning_rate * g", "p + learning_rate * g", "uphill"),
    ("autoencoder_backward", "dA2 = (sigmoid(A2) - X) / n",
     "dA2 = (sigmoid(A2) - X) / n * sigmoid(A2) * (1 - sigmoid(A2))", "σ'(A2) again"),
    ("autoencoder_backward", " * H * (1.0 - H)", " * H", "multiplied by f(a) = h"),
    ("autoencoder_backward", "X.T @ dA1", "dA1.T @ X", "transpose"),
    ("autoencoder_backward", "dA2 = (sigmoid(A2) - X) / n", "dA2 = (A2 - X) / n",
     "you used the logits A2"),
    ("tied_weights", "dW_encoder + dW_decoder", "dW_encoder", "only the encoder's use"),
    ("tied_weights", "dW_encoder + dW_decoder", "dW_decoder", "only the decoder's use"),
    ("tied_weights", "dW_decoder = (H.T @ dA2).T", "dW_decoder = H.T @ dA2 if H.shape[1] == X.shape[1] else (H.T @ dA2).T",
     "transposed back"),
    ("sparse_kl", "grad = beta * (-rho", "grad = -beta * (-rho", "sign"),
    ("sparse_kl", "np.tile(grad / n, (n, 1))", "np.tile(grad, (n, 1))", "ρ̂ is a mean over the samples"),
    ("sparse_kl", "rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))",
     "rho_hat * np.log(rho_hat / rho) + (1 - rho_hat) * np.log((1 - rho_hat) / (1 - rho))",
     "the KL is reversed"),
    ("contractive", "    dW += X.T @ dA\n", "", "only the column-norm part"),
    ("contractive", "np.sum(D ** 2 * norms)", "np.sum(D * norms)", "enters the norm squared"),
    ("contractive", "value = lam * np.sum(D ** 2 * norms) / n", "value = np.sum(D ** 2 * norms) / n",
     "the weight λ"),
    ("vae", "dz * eps * 0.5 * std", "dz * eps * std", "the ½ of std"),
    ("vae", "0.5 * (np.exp(log_var) - 1.0) / n", "0.5 * np.exp(log_var) / n", "the −1 from the −log_var term"),
    ("vae", "return dmu + dmu_kl, dlog_var + dlog_var_kl", "return dmu, dlog_var",
     "only the path through z"),
    ("vae", "std = np.exp(0.5 * log_var)", "std = np.exp(log_var)", "you scaled ε by the variance"),
    ("vae", "value = 0.5 * np.sum(", "value = -0.5 * np.sum(", "sign"),
    ("mmd", "return k, -c / (c + r) ** 2", "return k, -c / (c + r)", "the square of (c + r)"),
    ("mmd", "if i != j:", "if True:", "i = j terms are included"),
    ("mmd", "dZ[i] += 2.0 * g_zz", "dZ[i] += g_zz", "z_i appears in k(z_i, z_j)"),
    ("mmd", "            value -= 2.0 * k_zp", "            value -= k_zp", "its factor 2"),
    ("iwae", "lse = top + np.log(np.sum(np.exp(log_w - top), axis=0))",
     "lse = np.log(np.sum(np.exp(log_w), axis=0))", "overflow or underflow"),
    ("iwae", "return np.mean(lse - np.log(K))", "return np.mean(lse)", "the 1/K inside the log"),
    ("iwae", " + 0.5 / n  #", "  #", "the direct term of −log q"),
    ("iwae", "g = w[:, :, None] / n", "g = 1.0 / w.shape[0] / n", "every draw weighted 1/K"),
    ("dec", "return u / u.sum(axis=1, keepdims=True)", "return u", "not normalised"),
    ("dec", "W = Q ** 2 / Q.sum(axis=0)", "W = Q ** 2", "the frequencies f_j are missing"),
    ("dec", "value = np.sum(P * np.log(P / Q)) / n", "value = np.sum(Q * np.log(Q / P)) / n",
     "KL(Q ‖ P) instead of KL(P ‖ Q)"),
    ("dec", "w = (alpha + 1.0) / alpha * (P - Q)", "w = (P - Q)", "(α+1)/α"),
    ("ksparse", "order = np.argsort(-Z, axis=1)", "order = np.argsort(-np.abs(Z), axis=1)",
     "ranked by |z|"),
    ("ksparse", "order = np.argsort(-Z, axis=1)", "order = np.argsort(Z, axis=1)",
     "the k SMALLEST entries"),
    ("ksparse", "return dZk * mask", "return dZk", "the gradient passed to every unit"),
    ("contractive_deep", "        da2 = dd2 * d2 * (1 - 2 * h2)", "        da2 = 0 * dd2",
     "the second-derivative part is missing"),
    ("contractive_deep", "    s = lam / n\n", "    s = lam\n", "a sum over the samples"),
    ("conv_backward", "(window, W, axes", "(window, W[:, :, ::-1, ::-1], axes",
     "the kernel is flipped"),
    ("conv_backward", "(window, W, axes", "(window, W.transpose(1, 0, 2, 3), axes",
     "W's first two axes read the wrong way round"),
    ("conv_backward", "    return Y + b[None, :, None, None]", "    return Y",
     "the bias b[o] is missing"),
    ("conv_backward", "return dY.sum(axis=(0, 2, 3))", "return dY.sum(axis=0)",
     "summed over the samples only"),
    ("conv_backward", "return dY.sum(axis=(0, 2, 3))", "return dY.mean(axis=(0, 2, 3))",
     "a mean where the sum belongs"),
    ("conv_backward", "patch = Xp[:, :, y * stride:y * stride + kh, x * stride:x * stride + kw]",
     "patch = Xp[:, :, y:y + kh, x:x + kw]", "the stride is missing"),
    ("conv_backward", "patch, axes=([0], [0]))", "patch, axes=([0], [0]))[:, :, ::-1, ::-1]",
     "flipped in u, v"),
    ("conv_backward", "np.tensordot(dY[:, :, y, x], W, axes=([1], [0]))",
     "np.tensordot(dY[:, :, y, x], W[:, :, ::-1, ::-1], axes=([1], [0]))",
     "the kernel is not flipped"),
    ("conv_backward", "return dXp[:, :, pad:pad + h, pad:pad + w]", "return dXp",
     "the padding is not cropped"),
    ("rbm_cd1", "p_v = sigmoid(H @ W.T + b)", "p_v = sigmoid(H @ W + b)", "W is not transposed"),
    ("rbm_cd1", "p_h = sigmoid(V @ W + c)", "p_h = sigmoid(-(V @ W + c))",
     "you returned p(unit = 0)"),
    ("rbm_cd1", "return -(V @ b) - np.sum(softplus, axis=1)", "return -np.sum(softplus, axis=1)",
     "the visible bias term −bᵀv is missing"),
    ("rbm_cd1", "softplus = np.logaddexp(0.0, x)", "softplus = np.log(1.0 + np.exp(x))",
     "overflow or underflow"),
    ("rbm_cd1", "dW = (V0.T @ P0 - V1.T @ P1) / n", "dW = (V0.T @ H0 - V1.T @ P1) / n",
     "the data statistics used the sampled H0"),
    ("rbm_cd1", "dc = np.mean(P0 - P1, axis=0)", "dc = np.mean(P0 - H0, axis=0)",
     "the reconstruction statistics used H0"),
    ("rbm_cd1", "V1 = sigmoid(H0 @ W.T + b)", "V1 = sigmoid(P0 @ W.T + b)",
     "driven by the probabilities P0"),
    ("rbm_cd1", "H0 = (U < P0)", "H0 = (U > P0)", "H0 sampled the wrong way round"),
    ("rbm_cd1", "dW = (V0.T @ P0 - V1.T @ P1) / n", "dW = (V1.T @ P1 - V0.T @ P0) / n",
     "the sign is swapped"),
    ("rbm_cd1", "db = np.mean(V0 - V1, axis=0)", "db = np.sum(V0 - V1, axis=0)",
     "not divided by the batch size"),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a mistake's own overflow, say
@pytest.mark.parametrize("name, right, wrong, hint", MISTAKES,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)])
def test_a_usual_mistake_fails_with_its_hint(tmp_path, name, right, wrong, hint):
    source = (SOLUTIONS / f"{name}.py").read_text()
    assert right in source
    path = tmp_path / f"{name}.py"
    path.write_text(source.replace(right, wrong))
    results, report = run_grader(name, path)
    assert any(r.status == "fail" for r in results), report
    assert "hint: " in report and hint in report, report
    assert "NOT PASSED" in report


def test_every_exercise_has_at_least_two_tested_mistakes():
    counts = {name: sum(m[0] == name for m in MISTAKES) for name in EXERCISES}
    assert min(counts.values()) >= 2, counts


@pytest.mark.parametrize("name", EXERCISES)
def test_an_untouched_stub_is_not_done_yet(tmp_path, name):
    path = tmp_path / f"{name}.py"
    path.write_text(get_exercise(name).STUB)
    results, report = run_grader(name, path)
    assert [r.status for r in results] == ["todo"] * len(results), report
    assert report.count("not done yet") == len(results)


@pytest.mark.parametrize("name", EXERCISES)
def test_the_stub_holds_no_solution(tmp_path, name):
    exercise = get_exercise(name)
    tree = ast.parse(exercise.STUB)
    assert ast.get_docstring(tree), "the task goes in the module docstring"
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all(getattr(n, "module", None) is None and [a.name for a in n.names] == ["numpy"]
               for n in imports), "a stub imports numpy only (nothing of npae)"
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(functions) == {p.func for p in exercise.PARTS}
    for fn in functions.values():
        body = [s for s in fn.body if not (isinstance(s, ast.Expr)
                                           and isinstance(s.value, ast.Constant))]
        assert len(body) == 1 and isinstance(body[0], ast.Raise), fn.name
    # And each stub really raises NotImplementedError on the grader's own inputs.
    path = tmp_path / f"{name}.py"
    path.write_text(exercise.STUB)
    module, _ = load_student(path)
    for part in exercise.PARTS:
        case = part.cases(__import__("numpy").random.default_rng(0))[0]
        with pytest.raises(NotImplementedError):
            getattr(module, part.func)(*case.args)


def test_parts_are_graded_separately_and_student_exceptions_are_reported(tmp_path):
    source = (SOLUTIONS / "activations.py").read_text()
    source = source.replace("return np.tanh(a)", "raise NotImplementedError")
    source = source.replace("return np.maximum(a, 0.0)", "return a + undefined_name")
    path = tmp_path / "activations.py"
    path.write_text(source)
    results, report = run_grader("activations", path)
    status = {r.func: r.status for r in results}
    assert status == {"sigmoid": "pass", "sigmoid_grad": "pass", "tanh": "todo",
                      "tanh_grad": "pass", "relu": "error", "relu_grad": "pass"}, report
    line = source.splitlines().index("    return a + undefined_name") + 1
    assert f"NameError: name 'undefined_name' is not defined at line {line}" in report
    assert "NOT PASSED: 4/6 parts" in report


def test_a_file_may_import_the_students_earlier_exercises(tmp_path):
    (tmp_path / "activations.py").write_text((SOLUTIONS / "activations.py").read_text())
    source = (SOLUTIONS / "autoencoder_backward.py").read_text()
    source = source.replace("def sigmoid(a):\n    return 1.0 / (1.0 + np.exp(-a))\n",
                            "from activations import sigmoid\n")
    assert "from activations import sigmoid" in source
    path = tmp_path / "autoencoder_backward.py"
    path.write_text(source)
    results, report = run_grader("autoencoder_backward", path)
    assert results[0].status == "pass", report


def test_a_failing_import_is_reported_not_raised(tmp_path, capsys):
    path = tmp_path / "vae.py"
    path.write_text("import numpy as np\nimport no_such_module_here\n")
    assert main(["exercise", "check", "vae", str(path)]) == 1
    out = capsys.readouterr().out
    assert "ModuleNotFoundError" in out and "at line 2" in out and "NOT PASSED" in out


def test_a_nearly_right_answer_is_called_close(tmp_path):
    source = (SOLUTIONS / "losses.py").read_text()
    path = tmp_path / "losses.py"
    path.write_text(source.replace("diff / n", "(diff / n).astype(np.float32)"))
    _, report = run_grader("losses", path)
    assert "close but not within the tolerance: float32" in report, report


def test_a_wrong_return_and_a_wrong_shape_are_explained(tmp_path):
    path = tmp_path / "dense_backward.py"
    path.write_text("def dense_backward(dA, X, W):\n    return dA\n")
    _, report = run_grader("dense_backward", path)
    assert "return a tuple (dX, dW, db); got ndarray" in report


def test_the_report_never_prints_the_reference(tmp_path):
    path = tmp_path / "losses.py"
    path.write_text("import numpy as np\n\ndef squared_error(X_hat, X):\n"
                    "    return 0.0, np.zeros_like(X)\n\n"
                    "def bernoulli_cross_entropy(logits, X):\n    return 0.0, np.zeros_like(X)\n")
    _, report = run_grader("losses", path)
    assert "FAIL" in report and "[" not in report.replace("[   FAIL]", "")  # no arrays printed


# ---------------------------------------------------------------- the command
def test_cli_list(capsys):
    assert main(["exercise", "list"]) == 0
    out = capsys.readouterr().out
    positions = [out.index(f"{i}. {name} ") for i, name in enumerate(EXERCISES, 1)]
    assert positions == sorted(positions)


def test_cli_start_writes_stubs_and_refuses_to_overwrite(tmp_path, capsys):
    folder = tmp_path / "course"
    assert main(["exercise", "start", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.py" for n in EXERCISES)
    (folder / "losses.py").write_text("# my work")
    assert main(["exercise", "start", str(folder)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (folder / "losses.py").read_text() == "# my work"
    assert main(["exercise", "start", str(folder), "--force"]) == 0
    assert (folder / "losses.py").read_text() == get_exercise("losses").STUB


def test_cli_check_exit_codes(tmp_path, monkeypatch, capsys):
    good = str(SOLUTIONS / "dense_backward.py")
    assert main(["exercise", "check", "dense_backward", good]) == 0
    assert "PASSED: 1/1" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    # PATH defaults to ./NAME.py
    assert main(["exercise", "check", "dense_backward"]) == 2
    assert "no such file: dense_backward.py" in capsys.readouterr().err
    (tmp_path / "dense_backward.py").write_text(get_exercise("dense_backward").STUB)
    assert main(["exercise", "check", "dense_backward"]) == 1
    assert "not done yet" in capsys.readouterr().out
    assert main(["exercise", "check", "no_such_exercise", good]) == 2
    assert "unknown exercise 'no_such_exercise'" in capsys.readouterr().err
    (tmp_path / "broken.py").write_text("def dense_backward(dA, X, W)\n    return 1\n")
    assert main(["exercise", "check", "dense_backward", "broken.py"]) == 1
    out = capsys.readouterr().out
    assert "line 1: SyntaxError" in out and "NOT PASSED" in out
    with pytest.raises(SystemExit) as exc:
        main(["exercise", "check"])
    assert exc.value.code == 2
