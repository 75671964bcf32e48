import random

from odoo.tests import BaseCase, tagged
from odoo.tools import float_compare, float_round

from odoo.addons.service_invoicing.tools.allocation import quantity_compare, rounded


@tagged('post_install', '-at_install')
class TestQuickFigures(BaseCase):
    """The backlog's quick comparison and rounding give exactly Odoo's ``float_compare`` and
    ``float_round``, near the rounding boundaries too."""

    def test_compare_and_round_as_odoo(self):
        rng = random.Random(19)
        for digits in (0, 2, 3, 5):
            unit = 10 ** -digits
            compare = quantity_compare(digits)
            values = [0.0, unit, -unit, unit / 2, 1.5 * unit, 2 * unit, 2.5 * unit, 8.0]
            values += [rng.uniform(-3, 3) * unit for _ in range(2000)]
            values += [rng.uniform(-1000, 1000) for _ in range(500)]
            values += [round(value, digits) + unit * rng.choice((-0.5, 0.5)) for value in
                       values[-300:]]
            for value1 in values[:60] + values[-300:]:
                for value2 in (0.0, value1, value1 + unit / 2, value1 - 1.5 * unit,
                               value1 + 2 * unit, value1 - 2.5 * unit, rng.choice(values)):
                    self.assertEqual(
                        compare(value1, value2),
                        float_compare(value1, value2, precision_digits=digits),
                        f"{value1!r} against {value2!r} at {digits} digits")
            for value in values:
                self.assertEqual(rounded(value, digits),
                                 float_round(value, precision_digits=digits))
                self.assertEqual(rounded(value, rounding=0.01),
                                 float_round(value, precision_rounding=0.01))
