Console.WriteLine("RecoGrid load test: not yet written.");
