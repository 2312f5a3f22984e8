using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.Common;

/// <summary>Per-user state settings (section <c>Users</c>).</summary>
public sealed class UserOptions
{
    public const string Section = "Users";

    /// <summary>How many recent interactions a user keeps (a ring: the oldest drop out).</summary>
    public int RecentCapacity { get; set; } = 200;
}

/// <summary>Validates <see cref="UserOptions"/>; messages name the setting.</summary>
public sealed class UserOptionsValidator : IValidateOptions<UserOptions>
{
    public ValidateOptionsResult Validate(string? name, UserOptions options) =>
        options.RecentCapacity is < 1 or > 100_000
            ? ValidateOptionsResult.Fail("Users:RecentCapacity must be between 1 and 100000.")
            : ValidateOptionsResult.Success;
}
