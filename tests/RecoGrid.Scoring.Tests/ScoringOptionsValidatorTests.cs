namespace RecoGrid.Scoring.Tests;

public sealed class ScoringOptionsValidatorTests
{
    [Fact]
    public void DefaultOptionsAreValid() => Assert.Empty(ScoringOptionsValidator.Validate(new ScoringOptions()));

    [Fact]
    public void EveryInvalidSettingIsReportedByItsConfigurationName()
    {
        var options = new ScoringOptions
        {
            MaxBatchSize = 0,
            MaxBatchDelay = TimeSpan.FromMilliseconds(-1),
            QueueCapacity = 0,
            ExecutionProvider = (ScoringExecutionProvider)42,
            IntraOpThreads = -1,
        };

        var errors = ScoringOptionsValidator.Validate(options);

        foreach (var setting in new[] { "Scoring:MaxBatchSize", "Scoring:MaxBatchDelay", "Scoring:QueueCapacity", "Scoring:ExecutionProvider", "Scoring:IntraOpThreads" })
        {
            Assert.Contains(errors, error => error.StartsWith(setting, StringComparison.Ordinal));
        }
    }
}
