"""The parser of hydrotool's GDAL-style progress, on hand-written stderr streams."""

import unittest

from hydrotool_provider.progress import ProgressParser


def parse(chunks):
    percents, lines = [], []
    parser = ProgressParser(percents.append, lines.append)
    for chunk in chunks:
        parser.feed(chunk)
    parser.finish()
    return percents, lines


class ProgressParserTests(unittest.TestCase):
    def test_a_whole_bar_is_every_step_of_two_and_a_half_percent(self):
        percents, lines = parse(["0...10...20...30...40...50...60...70...80...90...100 - done.\n"])
        self.assertEqual(percents, [i * 2.5 for i in range(41)])
        self.assertEqual(lines, [])

    def test_pieces_cut_anywhere_give_the_same_steps(self):
        text = "0...10...20...30...40...50...60...70...80...90...100 - done.\nfilled 12 cells\n"
        whole = parse([text])
        for cut in range(1, len(text)):
            self.assertEqual(parse([text[:cut], text[cut:]]), whole, cut)
        one_by_one = parse(list(text))
        self.assertEqual(one_by_one, whole)

    def test_a_number_is_known_only_when_the_next_character_comes(self):
        percents, _ = parse(["0...1"])
        self.assertEqual(percents, [0, 2.5, 5, 7.5])
        percents, _ = parse(["0...1", "0."])
        self.assertEqual(percents, [0, 2.5, 5, 7.5, 10, 12.5])

    def test_a_log_line_in_the_middle_does_not_reset_the_bar(self):
        # hydrotool ends the open progress line before a log line and goes on with dots after it.
        percents, lines = parse(["0...10..\nterrain ran\n.20...30\nhydrotool: warning: x: moved 400 m\n...40"])
        self.assertEqual(percents, [i * 2.5 for i in range(17)])
        self.assertEqual(lines, ["terrain ran", "hydrotool: warning: x: moved 400 m"])

    def test_messages_starting_with_digits_are_messages(self):
        percents, lines = parse(["63 links, 4 outlets, highest Strahler order 3\n"])
        self.assertEqual(percents, [])
        self.assertEqual(lines, ["63 links, 4 outlets, highest Strahler order 3"])

    def test_an_error_after_an_open_bar_is_one_line(self):
        percents, lines = parse(["0...10...20", "\nhydrotool: error: dem.tif: is not a raster\n"])
        self.assertEqual(percents[-1], 20.0)
        self.assertEqual(lines, ["hydrotool: error: dem.tif: is not a raster"])

    def test_progress_never_goes_back(self):
        percents, _ = parse(["0...10...20\n0...10...30\n"])
        self.assertEqual(percents, sorted(set(percents)))
        self.assertEqual(percents[-1], 30.0)
