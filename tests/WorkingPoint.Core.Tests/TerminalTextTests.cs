namespace WorkingPoint.Core.Tests;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("yolo\u001b]0;pwned\u0007v8", "yolov8")] // OSC: retitles the terminal
    [InlineData("a\u001b]0;pwned\u001b\\b", "ab")] // OSC ended by ST
    [InlineData("\u001b[2Jclear", "clear")] // CSI: clears the screen
    [InlineData("red\u001b[31;1mtext\u001b[0m", "redtext")]
    [InlineData("reset\u001bc!", "reset!")] // ESC c: full reset
    [InlineData("bell\u0007 back\u0008space\r", "bell backspace")]
    [InlineData("c1\u009b2J\u009d0;x", "c12J0;x")] // C1 CSI and OSC introducers removed
    [InlineData("bidi\u202eevil\u202c \u2066iso\u2069", "bidievil iso")]
    [InlineData("del\u007f", "del")]
    [InlineData("unterminated\u001b]0;title", "unterminated")]
    [InlineData("two\u001b]0;a\u001b[2Jb", "twob")] // an OSC cut short by another escape: both go
    public void Control_characters_and_escape_sequences_are_removed(string text, string expected) =>
        Assert.Equal(expected, TerminalText.Clean(text));

    [Fact]
    public void Ordinary_text_tabs_and_any_script_are_kept_as_they_are()
    {
        const string text = "résumé\t日本語 😀 µs – ok";
        Assert.Same(text, TerminalText.Clean(text));
    }

    [Fact]
    public void Line_feeds_go_unless_line_breaks_are_kept()
    {
        Assert.Equal("ab", TerminalText.Clean("a\nb"));
        Assert.Equal("a\nb", TerminalText.Clean("a\r\nb", keepLineBreaks: true));
    }

    [Fact]
    public void A_user_error_naming_something_read_from_a_file_is_one_clean_line()
    {
        var error = new InvalidInputException("input \n\u001b]0;x\u0007in\r\nput declares no shape; give it with --input.");
        Assert.Equal("input input declares no shape; give it with --input.", error.Message);
    }
}
