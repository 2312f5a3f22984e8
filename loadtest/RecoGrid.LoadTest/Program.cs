using RecoGrid.LoadTest;

return await LoadTestCommand.Build().Parse(args).InvokeAsync();
