using Spectre.Console;
using WorkingPoint.Core;

namespace WorkingPoint.Cli;

/// <summary>
/// The no-surprise rule for files a command writes (README, "Files wpt writes"): a file you named with -o (or --plot), and the
/// siblings derived from that name, are replaced; a file wpt names itself (the default output in the current directory) is
/// never replaced unless --force is given. Every command says, in one line, the full path of each file it wrote.
/// </summary>
internal static class OutputFiles
{
    public const string ForceOption = "--force";

    /// <summary>
    /// Where the output goes: <paramref name="named"/> when given, else <paramref name="defaultName"/>. Refused up front, before
    /// any work, when a default-named file already exists without --force (each command checks its directory as it did).
    /// </summary>
    public static string Choose(string? named, string defaultName, bool force)
    {
        var path = named ?? defaultName;
        if (named is null && !force && (File.Exists(path) || Directory.Exists(path)))
        {
            throw new InvalidInputException($"{Path.GetFullPath(path)} already exists and was not named with -o; pass {ForceOption} to replace it, or -o FILE to write elsewhere.");
        }

        return path;
    }

    /// <summary>The one line that says where a file went, by its full path.</summary>
    public static void SayWrote(IAnsiConsole console, string path, string? what = null) =>
        console.MarkupLine($"Wrote {(what is null ? string.Empty : Markup.Escape(what) + " to ")}[bold]{Markup.Escape(Path.GetFullPath(path))}[/]");
}
