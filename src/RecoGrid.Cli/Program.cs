using RecoGrid.Cli.Commands;

return await RecoGridCommands.Build().Parse(args).InvokeAsync();
