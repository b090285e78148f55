using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace WorkingPoint.Cli;

/// <summary>One command or branch of the tree: its words (e.g. "solve input"), its options and its subcommands.</summary>
internal sealed record CommandNode(IReadOnlyList<string> Words, bool IsBranch, IReadOnlyList<string> Options, IReadOnlyList<CommandNode> Children)
{
    public string Path => string.Join(' ', Words);

    public IEnumerable<CommandNode> DescendantsAndSelf() => Children.SelectMany(c => c.DescendantsAndSelf()).Prepend(this);
}

/// <summary>
/// The command tree as the command-line parser has it configured (read from its help model, so it cannot drift from
/// <see cref="WptApp"/>), and "did you mean" for a mistyped option or command.
/// </summary>
internal static class CommandLine
{
    private static readonly Lazy<CommandNode> Root = new(ReadTree);

    public static CommandNode Tree => Root.Value;

    /// <summary>The parser's message with the closest option or command of the command being run, where one is close.</summary>
    public static string WithSuggestion(string message, IReadOnlyList<string> args)
    {
        var node = Locate(args);
        var where = node.Words.Count == 0 ? "wpt --help" : $"wpt {node.Path} --help";
        if (Regex.Match(message, "Unknown option '([^']+)'") is { Success: true } option)
        {
            var typed = option.Groups[1].Value.TrimStart('-');
            var longNames = node.Options.Where(o => o.StartsWith("--", StringComparison.Ordinal)).Select(o => o[2..]);
            var best = Closest(typed, longNames);
            return best is not null
                ? $"Unknown option '{Dashed(option.Groups[1].Value)}'; did you mean --{best}? ({where} lists the options.)"
                : $"Unknown option '{Dashed(option.Groups[1].Value)}'; {where} lists the options.";
        }

        if (Regex.Match(message, "Unknown command '([^']+)'") is { Success: true } leafArgument && node.Children.Count == 0)
        {
            return $"'{leafArgument.Groups[1].Value}' is not an argument of wpt {node.Path}; {where} shows its usage.";
        }

        if (Regex.Match(message, "Unknown command '([^']+)'") is { Success: true } command)
        {
            var best = Closest(command.Groups[1].Value, node.Children.Select(c => c.Words[^1]));
            return best is not null
                ? $"Unknown command '{command.Groups[1].Value}'; did you mean '{string.Join(' ', node.Words.Append(best))}'? ({where} lists the commands.)"
                : $"Unknown command '{command.Groups[1].Value}'; {where} lists the commands.";
        }

        if (Regex.Match(message, "Failed to convert '(.*)' to (\\w+)") is { Success: true } conversion)
        {
            var value = conversion.Groups[1].Value;
            var index = args.ToList().LastIndexOf(value);
            var name = index > 0 && args[index - 1].StartsWith('-') ? args[index - 1] + " " : string.Empty;
            return conversion.Groups[2].Value is "Int32" or "Int64" or "UInt64"
                ? $"{name}'{value}' is not a whole number in range; write digits only, e.g. 512."
                : $"{name}'{value}' is not a number; write it in digits, e.g. 2.5 ({where} lists the options).";
        }

        return $"{message.TrimEnd().TrimEnd('.')}; {where} shows the usage.";
    }

    /// <summary>The deepest command the leading words of <paramref name="args"/> name; a branch stands for its default command.</summary>
    public static CommandNode Locate(IReadOnlyList<string> args)
    {
        var node = Tree;
        foreach (var word in args.TakeWhile(a => !a.StartsWith('-')))
        {
            var next = node.Children.FirstOrDefault(c => c.Words[^1] == word);
            if (next is null)
            {
                break;
            }

            node = next;
        }

        return node;
    }

    /// <summary>The candidate nearest to <paramref name="typed"/> by edit distance (transpositions count once), if it is close.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        var allowed = Math.Max(1, Math.Min(3, typed.Length / 3));
        return candidates
            .Select(c => (Candidate: c, Distance: Core.EditDistance.Between(typed.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(c => c.Distance <= allowed || (c.Candidate.StartsWith(typed, StringComparison.OrdinalIgnoreCase) && typed.Length >= 3))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Candidate, StringComparer.Ordinal)
            .Select(c => c.Candidate)
            .FirstOrDefault();
    }

    private static string Dashed(string token) =>
        token.StartsWith('-') ? token : token.Length == 1 ? "-" + token : "--" + token;

    private static CommandNode ReadTree()
    {
        var capture = new ModelCapture();
        var quiet = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        WptApp.Build(quiet, WorkingPoint.Catalog.Catalog.BuiltIn, help: capture).Run(["--help"]);
        var model = capture.Model ?? throw new InvalidOperationException("The command-line parser did not describe its command tree.");
        return new CommandNode([], IsBranch: true, [], model.Commands.Where(c => !c.IsHidden).Select(c => Node(c, [])).ToArray());
    }

    private static CommandNode Node(ICommandInfo command, IReadOnlyList<string> parent)
    {
        IReadOnlyList<string> words = [.. parent, command.Name];
        var parameters = command.IsBranch && command.DefaultCommand is { } defaultCommand ? command.Parameters.Concat(defaultCommand.Parameters) : command.Parameters;
        var options = parameters.OfType<ICommandOption>().Where(o => !o.IsHidden)
            .SelectMany(o => o.LongNames.Select(n => "--" + n).Concat(o.ShortNames.Select(n => "-" + n)))
            .Distinct()
            .ToArray();
        return new CommandNode(words, command.IsBranch, options, command.Commands.Where(c => !c.IsHidden && !c.IsDefaultCommand).Select(c => Node(c, words)).ToArray());
    }

    /// <summary>A help provider that writes nothing and keeps the model the parser hands it.</summary>
    private sealed class ModelCapture : IHelpProvider
    {
        public ICommandModel? Model { get; private set; }

        public IEnumerable<IRenderable> Write(ICommandModel model, ICommandInfo? command)
        {
            Model = model;
            return [];
        }
    }
}
