"""The inner model of a :class:`~expectmodel.spec.Model` as a directed graph: predecessors, cycles, order.

:class:`InnerModelMixin` holds the methods of :class:`~expectmodel.spec.Model` that read its paths as
arrows between constructs: which constructs point into which, which are endogenous or exogenous, whether
the inner model is recursive (and the cycle when it is not), and an order in which every path points
forward.
"""

from __future__ import annotations

from functools import cached_property

from expectmodel.errors import SpecError


class InnerModelMixin:
    """Methods of :class:`~expectmodel.spec.Model` (see there) on its paths as a directed graph."""

    def predecessors(self, name: str) -> tuple[str, ...]:
        r"""List the constructs with a path into ``name``, in declaration order.

        Parameters
        ----------
        name : str
            A construct name.

        Returns
        -------
        tuple of str
            The predecessors' names; empty for an exogenous construct.

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("A =~ a1\nB =~ b1\nC =~ c1\nC ~ B + A").predecessors("C")
        ('A', 'B')
        """
        src = {p.source for p in self.paths if p.target == name}
        return tuple(n for n in self.names if n in src)

    @cached_property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs with at least one path into them, in declaration order."""
        return tuple(n for n in self.names if self.predecessors(n))

    @cached_property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs without a path into them, in declaration order."""
        return tuple(n for n in self.names if not self.predecessors(n))

    @cached_property
    def topological_order(self) -> tuple[str, ...]:
        """Constructs ordered so that every path points forward (ties keep declaration order).

        Raises :class:`~expectmodel.SpecError` for a non-recursive inner model, which has no such order.
        """
        if self.cycle is not None:
            raise SpecError(
                "The inner model has a cycle: " + " -> ".join(self.cycle)
                + ", so its constructs have no order in which every path points forward; "
                "remove one of these paths."
            )
        done: list[str] = []
        remaining = list(self.names)
        while remaining:
            for n in remaining:
                if all(p in done for p in self.predecessors(n)):
                    done.append(n)
                    remaining.remove(n)
                    break
        return tuple(done)

    @cached_property
    def cycle(self) -> tuple[str, ...] | None:
        r"""A cycle of the inner model as ``(A, B, C, A)``, or ``None`` when the model is recursive.

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("A =~ a1\nB =~ b1\nB ~ A\nA ~ B").cycle
        ('A', 'B', 'A')
        """
        succ: dict[str, list[str]] = {c.name: [] for c in self.constructs}
        for p in self.paths:
            succ[p.source].append(p.target)
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        stack: list[str] = []

        def visit(node: str) -> tuple[str, ...] | None:
            state[node] = 1
            stack.append(node)
            for nxt in succ[node]:
                if state.get(nxt) == 1:
                    return (*stack[stack.index(nxt):], nxt)
                if nxt not in state:
                    found = visit(nxt)
                    if found:
                        return found
            stack.pop()
            state[node] = 2
            return None

        for c in self.constructs:
            if c.name not in state:
                found = visit(c.name)
                if found:
                    return found
        return None

    @property
    def is_recursive(self) -> bool:
        """Whether the inner model has no cycle (no feedback loop)."""
        return self.cycle is None

    def check_recursive(self, estimator: str = "PLS") -> None:
        r"""Raise :class:`~expectmodel.SpecError` if the inner model has a cycle.

        A recursive inner model is an estimator's requirement (PLS's), not a rule of the spec.

        Parameters
        ----------
        estimator : str, default "PLS"
            The estimator that needs it, named in the message.

        Raises
        ------
        SpecError
            ``"The inner model has a cycle: A -> B -> A. PLS path models must be recursive; ..."``.

        Examples
        --------
        >>> from expectmodel.spec import Model
        >>> Model.from_syntax("A =~ a1\nB =~ b1\nB ~ A").check_recursive()   # recursive: returns None
        >>> Model.from_syntax("A =~ a1\nB =~ b1\nB ~ A\nA ~ B").check_recursive()
        Traceback (most recent call last):
        ...
        expectmodel.errors.SpecError: The inner model has a cycle: A -> B -> A. PLS path models must be recursive; remove one of these paths.
        """  # noqa: E501
        if self.cycle is not None:
            raise SpecError(
                "The inner model has a cycle: " + " -> ".join(self.cycle)
                + f". {estimator} path models must be recursive; remove one of these paths."
            )
