namespace WorkingPoint.Cli.Commands;
