using Spectre.Console;

namespace WorkingPoint.Cli;

public static class Program
{
    public static int Main(string[] args) => WptApp.Run(args, AnsiConsole.Console, Console.Error, Interrupts.Install());
}
