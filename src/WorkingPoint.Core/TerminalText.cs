using System.Text;

namespace WorkingPoint.Core;

/// <summary>
/// Text from files (model names, ONNX node names, GGUF metadata, YAML names, stored results) made safe to print: a terminal
/// obeys escape sequences wherever they appear, so a crafted name could retitle the window, clear the screen or reorder what
/// the user reads. Removed: escape sequences whole (CSI, OSC, DCS and the like, ended by their terminator), every other C0
/// control but tab (line feed too, unless the caller keeps line breaks), DEL, the C1 controls, and the bidirectional
/// overrides and isolates.
/// </summary>
public static class TerminalText
{
    public static string Clean(string? text, bool keepLineBreaks = false)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        if (!NeedsCleaning(text, keepLineBreaks))
        {
            return text;
        }

        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\u001b')
            {
                i = EndOfEscape(text, i);
                continue;
            }

            if (!Unsafe(c, keepLineBreaks))
            {
                clean.Append(c);
            }
        }

        return clean.ToString();
    }

    private static bool NeedsCleaning(string text, bool keepLineBreaks)
    {
        foreach (var c in text)
        {
            if (c == '\u001b' || Unsafe(c, keepLineBreaks))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Unsafe(char c, bool keepLineBreaks) =>
        c switch
        {
            '\t' => false,
            '\n' => !keepLineBreaks,
            < '\u0020' => true,
            >= '\u007f' and <= '\u009f' => true, // DEL and C1 (CSI 0x9B and OSC 0x9D among them)
            '\u061c' or '\u200e' or '\u200f' => true, // bidi marks
            >= '\u202a' and <= '\u202e' => true, // bidi embeddings and overrides
            >= '\u2066' and <= '\u2069' => true, // bidi isolates
            _ => false,
        };

    /// <summary>The index of the last character of the escape sequence starting at <paramref name="start"/>.</summary>
    private static int EndOfEscape(string text, int start)
    {
        if (start + 1 >= text.Length)
        {
            return start;
        }

        var kind = text[start + 1];
        switch (kind)
        {
            case '[':
                // CSI: parameter and intermediate bytes, then one final byte in @..~.
                for (var i = start + 2; i < text.Length; i++)
                {
                    if (text[i] is >= '@' and <= '~')
                    {
                        return i;
                    }

                    if (text[i] is < ' ' or > '?')
                    {
                        return i - 1;
                    }
                }

                return text.Length - 1;
            case ']' or 'P' or 'X' or '^' or '_':
                // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \); unterminated, it runs to the end.
                for (var i = start + 2; i < text.Length; i++)
                {
                    if (text[i] == '\u0007')
                    {
                        return i;
                    }

                    if (text[i] == '\u001b')
                    {
                        return i + 1 < text.Length && text[i + 1] == '\\' ? i + 1 : i - 1;
                    }
                }

                return text.Length - 1;
            default:
                // A two-character escape (ESC c resets the terminal, ESC 7 saves the cursor, …), or intermediates then a final.
                var j = start + 1;
                while (j < text.Length - 1 && text[j] is >= ' ' and <= '/')
                {
                    j++;
                }

                return j;
        }
    }
}
