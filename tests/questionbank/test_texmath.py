"""Formulas in template text typeset as maths in LaTeX (`questionbank.texmath`)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questionbank.markup import md_to_tex
from questionbank.texmath import tex_math_text


@pytest.mark.parametrize(("text", "tex"), [
    # the bank's notation
    ("A dense layer computes Y = X Wᵀ + b, as PyTorch's",
     r"A dense layer computes $Y=XW^{\top}+b$, as PyTorch's"),
    ("scaled by 1/(1 − p) during", r"scaled by $\frac{1}{1-p}$ during"),
    ("Shape of ∂L/∂W", r"Shape of $\frac{\partial L}{\partial W}$"),
    ("column j is Jᵢⱼ = ∂fᵢ/∂xⱼ. (This",
     r"column $j$ is $J_{ij}=\frac{\partial f_{i}}{\partial x_{j}}$. (This"),
    ("Let f(x) = xᵀAx, where", r"Let $f(x)=x^{\top}Ax$, where"),
    ("with fixed u ∈ ℝⁿ, v", r"with fixed $u\in \mathbb{R}^{n}$, $v$"),
    ("when r ≤ 1/2 (each", r"when $r\le \frac{1}{2}$ (each"),
    ("mₜ / (1 − β1ᵗ)", r"$\frac{m_{t}}{1-\beta 1^{t}}$"),
    ("ŷ = w·x + b is fitted", r"$\hat{y}=w\cdot x+b$ is fitted"),
    ("activations a = [1, 2.5] and", r"activations $a=[1,2.5]$ and"),
    ("σ(z) = 1/(1 + exp(−z))", r"$\sigma (z)=\frac{1}{1+\exp (-z)}$"),
    # text stays text
    ("A model (1 keeps a unit, 0 drops it).", "A model (1 keeps a unit, 0 drops it)."),
    ("Write it as rows x columns, e.g. 3x4.", "Write it as rows x columns, e.g. 3x4."),
    ("(e.g. 8/13); a percentage needs its % sign", r"(e.g. 8/13); a percentage needs its \% sign"),
    ("Accuracy = (TP + TN) / total", "Accuracy = (TP + TN) / total"),
    ("The output is a_L = a6.", r"The output is a\_L = a6."),
    ("I think", "I think"),
])
def test_formulas_in_text(text: str, tex: str) -> None:
    assert tex_math_text(text) == tex


def test_markup_writes_formulas_in_math_and_code_as_typed() -> None:
    assert md_to_tex("**Recall** r = TP/(TP + FN), `p = 0.5`") == \
        r"\textbf{Recall} $r$ = TP/(TP + FN), \texttt{p = 0.5}"


_COMMAND = re.compile(r"\\([a-zA-Z]+|.)")
_OURS = {"frac", "hat", "top", "cdot", "times", "odot", "partial", "le", "ge", "ne", "approx",
         "rightarrow", "leftarrow", "sum", "Sigma", "nabla", "in", "mathbb", "surd", "ldots",
         "pm", "infty", "div", "propto", "prod", "circ", "otimes", "ell", "lceil", "rceil",
         "lfloor", "rfloor", "sim", "backslash", "alpha", "beta", "sigma", "lambda",
         "varepsilon", "exp", "log", "operatorname", "textbackslash", "textless",
         "textgreater", "textasciitilde", "textasciicircum", "|", "{", "}", "%", "&", "#", "$",
         "_"}


@given(st.text(alphabet=st.sampled_from(list("xaAIpW 1ſ.,;()[]{}/=−-+·ᵀᵢ²∂σβ$%&#_^~\\<>|'")),
               max_size=40))
def test_any_text_is_valid_latex_with_our_commands_only(text: str) -> None:
    """Whatever the text: math shifts pair up, braces balance, and every command is ours."""
    tex = tex_math_text(text)
    assert len(re.findall(r"(?<!\\)\$", tex)) % 2 == 0
    depth = 0
    for ch in _COMMAND.sub("", tex):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert {m.group(1) for m in _COMMAND.finditer(tex)} <= _OURS


def test_matrix_helper_is_a_pmatrix_in_latex() -> None:
    from questionbank.render import render

    assert render("M is\n{{ matrix([[1, -2.5], [3, 4]]) }}", {}, "tex") == \
        "$M$ is\n\n\\[\\begin{pmatrix}\n1 & -2.5 \\\\\n3 & 4\n\\end{pmatrix}\\]"
