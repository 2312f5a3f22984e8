using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.Common;

/// <summary>Per-user state settings (section <c>Users</c>).</summary>
public sealed class UserOptions
{
    public const string Section = "Users";

    /// <summary>How many recent interactions a user keeps (a ring: the oldest drop out).</summary>
    public int RecentCapacity { get; set; } = 200;

    /// <summary>
    /// A user's state is checkpointed after this many applied events (and when its partition asks, and on deactivation).
    /// The log holds every event anyway; checkpoints only shorten what must be re-read.
    /// </summary>
    public int CheckpointEvery { get; set; } = 64;
}

/// <summary>Validates <see cref="UserOptions"/>; messages name the setting.</summary>
public sealed class UserOptionsValidator : IValidateOptions<UserOptions>
{
    public ValidateOptionsResult Validate(string? name, UserOptions options)
    {
        var errors = new List<string>();
        if (options.RecentCapacity is < 1 or > 100_000)
        {
            errors.Add("Users:RecentCapacity must be between 1 and 100000.");
        }

        if (options.CheckpointEvery is < 1 or > 1_000_000)
        {
            errors.Add("Users:CheckpointEvery must be between 1 and 1000000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
